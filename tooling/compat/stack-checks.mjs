// What the compatibility check runs in a stack's scratch project once docs/install.md's
// commands have installed it and the journey app has run there: the documentation's code
// compiled against the installed packages, docs/install.md's setup for the stack run, a
// CommonJS service, TypeScript projects that compile to CommonJS, and, last, because it
// removes a package, an application with only the OTLP/HTTP JSON exporter.
//
// Each function returns a report the compatibility test asserts on, or `{ error }` when it
// could not run at all.

import { copyFile, mkdir, readdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { snippetModule } from "../release/doc-snippets.mjs";
import { lastLines, run } from "../release/process.mjs";
import { WORKSPACE_ROOT } from "../release/workspace.mjs";

/** @typedef {import("../release/doc-snippets.mjs").DocSnippet} DocSnippet */
/** @typedef {import("../release/process.mjs").RunResult} RunResult */

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), "app");
const TSC = path.join(WORKSPACE_ROOT, "node_modules", "typescript", "bin", "tsc");
const TYPE_ROOTS = path.join(WORKSPACE_ROOT, "node_modules", "@types");

/**
 * The `module` settings of a TypeScript project compiled to CommonJS that docs/install.md
 * names, with what each gives: no error codes for a supported one.
 */
export const TS_COMMONJS_SETTINGS = /** @type {const} */ ([
  { name: "nodenext", compilerOptions: { module: "nodenext" }, errors: [] },
  { name: "node20", compilerOptions: { module: "node20" }, errors: [] },
  { name: "node16", compilerOptions: { module: "node16" }, errors: ["TS1479"] },
  { name: "node18", compilerOptions: { module: "node18" }, errors: ["TS1479"] },
  {
    name: "commonjs",
    compilerOptions: { module: "commonjs", moduleResolution: "node10" },
    errors: ["TS2307"],
  },
]);

/**
 * Copies the apps (`app/`) into the project, where they import what it installed.
 * @param {string} project
 */
export async function copyApps(project) {
  for (const name of await readdir(APP)) {
    await copyFile(path.join(APP, name), path.join(project, name));
  }
}

/**
 * Runs a Node script of the project and parses the JSON line it prints last.
 * @param {string} project
 * @param {NodeJS.ProcessEnv} env
 * @param {string[]} args
 */
async function runReporting(project, env, args) {
  const ran = await run("node", args, { cwd: project, env, timeoutMs: 120_000 });
  if (ran.code !== 0) return { error: lastLines(ran.stderr || ran.stdout, 25) };
  try {
    return JSON.parse(ran.stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    return { error: `no report:\n${lastLines(ran.stdout)}` };
  }
}

/** @param {string} dir @param {object} compilerOptions @param {string[]} files */
async function runTsc(dir, compilerOptions, files) {
  const config = {
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2023"],
      strict: true,
      types: ["node"],
      typeRoots: [TYPE_ROOTS],
      ...compilerOptions,
    },
    files,
  };
  await writeFile(path.join(dir, "tsconfig.json"), `${JSON.stringify(config, null, 2)}\n`);
  return run(process.execPath, [TSC, "-p", "tsconfig.json", "--pretty", "false"], { cwd: dir });
}

/**
 * Compiles every block of `snippets` meant for this stack (no stack named on its first
 * line, or this one) under strict settings against what the project installed. Problems
 * point at the document's own lines.
 * @param {string} project
 * @param {DocSnippet[]} snippets
 * @param {(firstLine: string) => string | undefined} stackOf
 * @param {string} stack
 */
export async function compileDocSnippets(project, snippets, stackOf, stack) {
  const dir = path.join(project, "doc-snippets");
  await mkdir(dir, { recursive: true });
  /** @type {Map<string, { snippet: DocSnippet, offset: number }>} */
  const files = new Map();
  for (const snippet of snippets) {
    const named = stackOf(snippet.firstLine);
    if (named !== undefined && named !== stack) continue;
    const slug = snippet.file.replace(/[^a-z0-9]+/gi, "-");
    const name = `${slug}-L${snippet.line}.${snippet.lang === "ts" ? "ts" : "mjs"}`;
    const { source, offset } = snippetModule(snippet);
    await writeFile(path.join(dir, name), source);
    files.set(name, { snippet, offset });
  }
  const ran = await runTsc(
    dir,
    {
      module: "nodenext",
      noEmit: true,
      allowJs: true,
      checkJs: true,
      // The packages' own declarations are checked, strictly, by the package checks.
      skipLibCheck: true,
    },
    [...files.keys()],
  );
  const problems = [];
  for (const line of `${ran.stdout}\n${ran.stderr}`.split("\n").filter(Boolean)) {
    const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    const at = match ? files.get(String(match[1])) : undefined;
    if (!match || !at) {
      problems.push(line);
      continue;
    }
    const docLine = at.snippet.line + Number(match[2]) - 1 - at.offset;
    problems.push(`${at.snippet.file}:${docLine}: ${match[4]} ${match[5]}`);
  }
  if (ran.code !== 0 && problems.length === 0) problems.push(`tsc failed:\n${ran.stderr}`);
  return { compiled: files.size, problems };
}

/**
 * Runs docs/install.md's setup of this stack (a `js` block whose first line is
 * `// tracing.mjs` and names the stack) through `app/setup-run.mjs`. The apps must have
 * been copied into the project (`copyApps`), as for every function below.
 * @param {string} project
 * @param {NodeJS.ProcessEnv} env
 * @param {DocSnippet | undefined} setup
 */
export async function runSetup(project, env, setup) {
  if (setup === undefined) return { error: "docs/install.md has no setup for this stack" };
  await writeFile(path.join(project, "tracing.mjs"), setup.code);
  return {
    from: `${setup.file}:${setup.line}`,
    ...(await runReporting(project, env, ["setup-run.mjs"])),
  };
}

/**
 * The CommonJS service of `app/cjs-app.cjs`.
 * @param {string} project
 * @param {NodeJS.ProcessEnv} env
 * @param {string} stack
 */
export async function runCommonJsApp(project, env, stack) {
  return runReporting(project, env, ["cjs-app.cjs", stack]);
}

/**
 * `app/ts-cjs-consumer.ts` in a CommonJS project (no `"type": "module"`), compiled with
 * each of `TS_COMMONJS_SETTINGS` and, when it compiles, run.
 * @param {string} project
 * @param {NodeJS.ProcessEnv} env
 */
export async function checkTypeScriptCommonJs(project, env) {
  /** @type {Record<string, { errors: string[], output?: string, run?: any }>} */
  const outcomes = {};
  await Promise.all(
    TS_COMMONJS_SETTINGS.map(async (setting) => {
      const dir = path.join(project, `ts-cjs-${setting.name}`);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, "package.json"), '{ "private": true, "type": "commonjs" }\n');
      await copyFile(path.join(project, "ts-cjs-consumer.ts"), path.join(dir, "index.ts"));
      const ran = await runTsc(dir, { ...setting.compilerOptions, outDir: "dist" }, ["index.ts"]);
      const output = `${ran.stdout}\n${ran.stderr}`.trim();
      const errors = [...new Set(output.match(/\bTS\d+\b/g) ?? [])].sort();
      outcomes[setting.name] =
        ran.code === 0
          ? { errors, run: await runReporting(dir, env, [path.join("dist", "index.js")]) }
          : { errors, output: lastLines(output, 10) };
    }),
  );
  return outcomes;
}

/**
 * Removes the OTLP protobuf exporter from the project, then runs
 * `app/one-exporter-app.mjs`. Run it last: the project no longer has that exporter.
 * @param {string} project
 * @param {NodeJS.ProcessEnv} env
 */
export async function runWithOneExporter(project, env) {
  const removed = await run(
    "npm",
    [
      "uninstall",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "@opentelemetry/exporter-trace-otlp-proto",
    ],
    { cwd: project, env },
  );
  if (removed.code !== 0) return { error: `npm uninstall failed:\n${lastLines(removed.stderr)}` };
  return runReporting(project, env, ["one-exporter-app.mjs"]);
}
