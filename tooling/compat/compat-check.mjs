#!/usr/bin/env node
// Proves that the layers install and work next to the OpenTelemetry stacks users have
// today, with the exact commands of docs/install.md's "Installing a single layer":
//
//   sdk2: Node 20 or later, @opentelemetry/api 1.9, SDK 2 (sdk-trace-base 2.x)
//   sdk3: Node 22.15 or later, @opentelemetry/api 1.10, SDK 3 (sdk-trace 3.x)
//
// For each stack: a scratch project outside the workspace, on that stack's Node (Node 22
// comes from the `node@22` package, installed into the scratch folder), runs docs/install.md's
// `npm install` commands with plain npm and no flags, the layers coming from freshly packed
// tarballs (they are not published from here); then `app/journey-app.mjs` serves one
// traced streaming request and one the client abandons, and prints what was exported.
//
// Library: `runCompatCheck(options)`. CLI: `node tooling/compat/compat-check.mjs
// [--stack sdk2|sdk3] [--tarballs DIR] [--keep]` prints each stack's report and exits 1
// when one fails. `--tarballs` takes packed layers from DIR instead of packing the
// workspace (to try other builds). Build the packages first.

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { readUserDocSnippets } from "../release/doc-snippets.mjs";
import { childEnv, lastLines, run } from "../release/process.mjs";
import { listPublishablePackages, packPackage, WORKSPACE_ROOT } from "../release/workspace.mjs";
import {
  checkTypeScriptCommonJs,
  compileDocSnippets,
  copyApps,
  runCommonJsApp,
  runSetup,
  runWithOneExporter,
} from "./stack-checks.mjs";

const NPM_FLAGS = ["--no-audit", "--no-fund", "--prefer-offline"];
/** Packages with a check of their own (their engine is no part of these stacks). */
const OWN_CHECK = new Set(["@llm-journey/node-llama-cpp"]);

/**
 * The docs' code blocks the stacks compile: all but those of a package with a check of
 * its own, which compiles them where its engine is installed.
 * @param {import("../release/doc-snippets.mjs").DocSnippet[]} snippets
 */
export function stackSnippets(snippets) {
  const own = [...OWN_CHECK].map((name) => `packages/${name.split("/")[1]}/README.md`);
  return snippets.filter((snippet) => !own.includes(snippet.file));
}

/** @typedef {"sdk2" | "sdk3"} StackName */
/**
 * @typedef {{
 *   stack: StackName, ok: boolean, failedStep?: string, message?: string,
 *   commands: string[], node?: string, report?: any, checks?: StackChecks, ms: number,
 * }} StackResult
 * @typedef {{
 *   docs: { compiled: number, problems: string[] }, setup: any, commonJs: any,
 *   typeScriptCommonJs: Record<string, { errors: string[], output?: string, run?: any }>,
 *   oneExporter: any,
 * }} StackChecks
 * `report`: what the journey app printed; `checks`: what `stack-checks.mjs` found after it.
 */

/** What each stack is, as docs/install.md's comment line above its commands names it. */
export const STACKS = /** @type {const} */ ({
  sdk2: { marker: /\bSDK 2\b/, nodeMajor: 20 },
  sdk3: { marker: /\bSDK 3\b/, nodeMajor: 22 },
});

/**
 * The stack a line of code names in a comment (`// … SDK 3 …`), if any.
 * @param {string} line
 * @returns {StackName | undefined}
 */
export function stackNamedBy(line) {
  if (!line.trimStart().startsWith("//")) return undefined;
  return /** @type {StackName[]} */ (Object.keys(STACKS)).find((name) =>
    STACKS[name].marker.test(line),
  );
}

/**
 * The setup for `stack` in docs/install.md: a `js` block whose first line is `// tracing.mjs` and
 * names the stack.
 * @param {import("../release/doc-snippets.mjs").DocSnippet[]} snippets
 * @param {StackName} stack
 */
export function setupOf(snippets, stack) {
  return snippets.find(
    (snippet) =>
      snippet.lang === "js" &&
      /^\/\/ tracing\.mjs\b/.test(snippet.firstLine) &&
      stackNamedBy(snippet.firstLine) === stack,
  );
}

/**
 * The `npm install` commands of a README's section (by default docs/install.md's
 * "Installing a single layer"), by stack: each `sh` block line that starts with
 * `npm install`, joined across `\` line continuations, belongs to the stack named by the
 * nearest comment line above it.
 * @param {string} readme
 * @param {string} [heading]
 * @returns {Record<StackName, string[][]>}
 */
export function readInstallCommands(readme, heading = "## Installing a single layer") {
  const start = readme.indexOf(`${heading}\n`);
  if (start === -1) throw new Error(`the document has no "${heading}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  /** @type {Record<StackName, string[][]>} */
  const commands = { sdk2: [], sdk3: [] };
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    /** @type {StackName | undefined} */
    let stack;
    const lines = (block[1] ?? "").replace(/\\\n\s*/g, " ").split("\n");
    for (const line of lines) {
      if (line.startsWith("#")) {
        stack = /** @type {StackName[]} */ (Object.keys(STACKS)).find((name) =>
          STACKS[name].marker.test(line),
        );
      } else if (line.startsWith("npm install ") && stack) {
        commands[stack].push(line.trim().split(/\s+/).slice(2));
      }
    }
  }
  return commands;
}

/**
 * Packs every publishable package into `destination`.
 * @param {string} destination
 * @returns {Promise<Map<string, string>>} tarball path by package name
 */
export async function packLayers(destination) {
  await mkdir(destination, { recursive: true });
  const tarballs = new Map();
  for (const dir of await listPublishablePackages()) {
    const { name } = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
    tarballs.set(name, await packPackage(dir, destination));
  }
  return tarballs;
}

/**
 * Reads tarballs packed elsewhere: `<scope>-<name>-<version>.tgz`, as npm and pnpm name them.
 * @param {string} dir
 */
async function readTarballs(dir) {
  const tarballs = new Map();
  for (const file of await readdir(dir)) {
    const match = file.match(/^llm-journey-(.+)-\d+\.\d+\.\d+.*\.tgz$/);
    if (match) tarballs.set(`@llm-journey/${match[1]}`, path.resolve(dir, file));
  }
  return tarballs;
}

/**
 * The directory holding a `node` of the stack's major: this process's, or one installed
 * from the `node@<major>` npm package into `workDir`.
 * @param {number} major
 * @param {string} workDir
 */
async function nodeDirFor(major, workDir) {
  if (Number(process.versions.node.split(".")[0]) === major) return path.dirname(process.execPath);
  const dir = path.join(workDir, `node${major}`);
  const bin = path.join(dir, "node_modules", ".bin");
  if (existsSync(path.join(bin, "node"))) return bin;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "package.json"), '{ "private": true }\n');
  // Not --ignore-scripts: the package's install script fetches the platform's binary.
  const ran = await run("npm", ["install", ...NPM_FLAGS, `node@${major}`], { cwd: dir });
  if (ran.code !== 0)
    throw new Error(`npm install node@${major} failed:\n${lastLines(ran.stderr)}`);
  return bin;
}

/**
 * Runs one stack in `workDir`, in the project folder `project` (default: the stack's name):
 * docs/install.md's commands, the journey app, then, with `snippets` (the docs' code blocks),
 * the checks of `stack-checks.mjs`.
 * @param {StackName} stack
 * @param {{
 *   workDir: string, tarballs: Map<string, string>, commands: string[][], project?: string,
 *   snippets?: import("../release/doc-snippets.mjs").DocSnippet[],
 * }} options
 * @returns {Promise<StackResult>}
 */
export async function runStack(
  stack,
  { workDir, tarballs, commands, project: name = stack, snippets },
) {
  const started = Date.now();
  /** @type {StackResult} */
  const result = {
    stack,
    ok: false,
    commands: commands.map((c) => `npm install ${c.join(" ")}`),
    ms: 0,
  };
  /** @param {string} step @param {string} message */
  const fail = (step, message) => {
    result.failedStep = step;
    result.message = message.split(workDir).join("<tmp>");
    result.ms = Date.now() - started;
    return result;
  };
  if (commands.length === 0)
    return fail("readme", `docs/install.md names no npm install for ${stack}`);
  let nodeDir;
  try {
    nodeDir = await nodeDirFor(STACKS[stack].nodeMajor, workDir);
  } catch (error) {
    return fail("node", error instanceof Error ? error.message : String(error));
  }
  const env = { ...childEnv(), PATH: `${nodeDir}${path.delimiter}${process.env.PATH ?? ""}` };
  const project = path.join(workDir, name);
  await mkdir(project, { recursive: true });
  await writeFile(
    path.join(project, "package.json"),
    `${JSON.stringify({ name: `compat-${stack}`, private: true, type: "module" }, null, 2)}\n`,
  );
  const version = await run("node", ["--version"], { cwd: project, env });
  result.node = version.stdout.trim();

  // The install commands of docs/install.md, with each layer from its tarball. The layers depend on each
  // other, and unpublished versions resolve only from tarballs: the first command brings
  // all of them, so every layer is installed next to this stack.
  for (const [index, args] of commands.entries()) {
    const specs = args.map((arg) => tarballs.get(arg) ?? arg);
    if (index === 0) {
      specs.push(
        ...[...tarballs]
          .filter(([layer, t]) => !OWN_CHECK.has(layer) && !specs.includes(t))
          .map(([, t]) => t),
      );
    }
    const unknown = args.filter((arg) => arg.startsWith("@llm-journey/") && !tarballs.has(arg));
    if (unknown.length > 0) return fail("install", `no tarball for ${unknown.join(", ")}`);
    const ran = await run("npm", ["install", ...NPM_FLAGS, ...specs], { cwd: project, env });
    if (ran.code !== 0) {
      return fail(
        "install",
        `${result.commands[index]} failed:\n${lastLines(ran.stderr || ran.stdout, 25)}`,
      );
    }
  }

  await copyApps(project);
  const appArgs = ["journey-app.mjs", stack];
  if (tarballs.has("@llm-journey/legacy-buffer")) appArgs.push("--legacy");
  const ran = await run("node", appArgs, {
    cwd: project,
    env,
    timeoutMs: 120_000,
  });
  if (ran.code !== 0) return fail("app", lastLines(ran.stderr || ran.stdout, 25));
  try {
    result.report = JSON.parse(ran.stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    return fail("app", `the app printed no report:\n${lastLines(ran.stdout)}`);
  }
  if (snippets) {
    const [docs, setup, commonJs, typeScriptCommonJs] = await Promise.all([
      compileDocSnippets(project, stackSnippets(snippets), stackNamedBy, stack),
      runSetup(project, env, setupOf(snippets, stack)),
      runCommonJsApp(project, env, stack),
      checkTypeScriptCommonJs(project, env),
    ]);
    // Last: it removes a package from the project.
    const oneExporter = await runWithOneExporter(project, env);
    result.checks = { docs, setup, commonJs, typeScriptCommonJs, oneExporter };
  }
  result.ok = true;
  result.ms = Date.now() - started;
  return result;
}

/**
 * Packs the layers (or reads `tarballDir`), then runs the stacks side by side.
 * @param {{ stacks?: StackName[], tarballDir?: string, keep?: boolean, readme?: string }} [options]
 * @returns {Promise<{ workDir: string, results: StackResult[] }>}
 */
export async function runCompatCheck(options = {}) {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "llm-journey-compat-"));
  try {
    const readme =
      options.readme ?? (await readFile(path.join(WORKSPACE_ROOT, "docs", "install.md"), "utf8"));
    const commands = readInstallCommands(readme);
    const tarballs = options.tarballDir
      ? await readTarballs(options.tarballDir)
      : await packLayers(path.join(workDir, "tarballs"));
    const stacks = options.stacks ?? /** @type {StackName[]} */ (Object.keys(STACKS));
    const snippets = readUserDocSnippets(WORKSPACE_ROOT);
    const results = await Promise.all(
      stacks.map((stack) =>
        runStack(stack, { workDir, tarballs, commands: commands[stack], snippets }),
      ),
    );
    return { workDir, results };
  } finally {
    if (!options.keep) await rm(workDir, { recursive: true, force: true });
  }
}

async function main() {
  const args = process.argv.slice(2);
  /** @param {string} flag */
  const flagValue = (flag) => {
    const index = args.indexOf(flag);
    return index === -1 ? undefined : args[index + 1];
  };
  const stack = flagValue("--stack");
  const tarballDir = flagValue("--tarballs");
  const { workDir, results } = await runCompatCheck({
    ...(stack ? { stacks: [/** @type {StackName} */ (stack)] } : {}),
    ...(tarballDir ? { tarballDir: path.resolve(tarballDir) } : {}),
    keep: args.includes("--keep"),
  });
  for (const result of results) {
    const status = result.ok ? "ok" : `FAILED at ${result.failedStep}`;
    console.log(`${result.stack} (${result.node ?? "no node"}): ${status} in ${result.ms} ms`);
    for (const command of result.commands) console.log(`  ${command}`);
    if (result.message) console.log(result.message.replace(/^/gm, "    "));
    if (result.report) {
      const { sdkEntry, defaultProtocol } = result.report;
      console.log(
        `  spans: own SDK ${result.report.ownSdk.spans.length}, /sdk ${sdkEntry.spans.length};` +
          ` default protocol ${defaultProtocol.contentTypes.join(", ")}`,
      );
    }
    if (result.checks)
      console.log(`  checks: ${JSON.stringify(result.checks, null, 2).replace(/\n/g, "\n  ")}`);
  }
  if (args.includes("--keep")) console.log(`kept ${workDir}`);
  process.exitCode = results.every((result) => result.ok) ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
