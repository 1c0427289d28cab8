// Installs the layers next to the OpenTelemetry stacks users have today, with the exact
// commands of docs/install.md, each stack in a scratch project on its own Node, and runs
// the apps of `app/` there; node-llama-cpp likewise, with its README's command. README.md
// describes the stacks and what each app shows.

import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { compile } from "../release/compile.mjs";
import { compileSnippets, readSnippets } from "../release/doc-snippets.mjs";
import { run } from "../release/process.mjs";
import { scratchProject } from "../release/scratch-project.mjs";
import { WORKSPACE_ROOT } from "../release/workspace.mjs";

const APP = path.join(import.meta.dirname, "app");
/** The package with a check of its own (its engine is no part of the stacks), its README. */
const OWN_CHECK = "@llm-journey/node-llama-cpp";
const OWN_README = "packages/node-llama-cpp/README.md";

/** @typedef {"sdk2" | "sdk3"} StackName */
/** @typedef {import("../release/doc-snippets.mjs").DocSnippet} DocSnippet */

/** Each stack and the Node major it runs on; docs name it as `SDK 2`, `SDK 3`. */
export const STACKS = /** @type {const} */ ({ sdk2: 20, sdk3: 22 });
const STACK_NAMES = /** @type {StackName[]} */ (Object.keys(STACKS));

/**
 * The `module` settings of a TypeScript project compiled to CommonJS that docs/install.md
 * names, with the error codes each gives: none for a supported one. (`commonjs` resolves
 * as `node10`, as the docs say.)
 */
export const TS_COMMONJS_SETTINGS = /** @type {Record<string, string[]>} */ ({
  nodenext: [],
  node20: [],
  node16: ["TS1479"],
  node18: ["TS1479"],
  commonjs: ["TS2307"],
});

/**
 * The stack that a comment line (`# … SDK 3 …`, `// … SDK 3 …`), or a code block's first
 * line, names, if any.
 * @param {string} text
 * @returns {StackName | undefined}
 */
export function stackNamedBy(text) {
  const [line = ""] = text.split("\n");
  if (!/^\s*(#|\/\/)/.test(line)) return undefined;
  return STACK_NAMES.find((name) => new RegExp(`\\bSDK ${name.slice(3)}\\b`).test(line));
}

/**
 * The `npm install` commands of a Markdown text, by stack: each `sh` block line that
 * starts with `npm install`, joined across `\` continuations, belongs to the stack named
 * by the nearest comment line above it.
 * @param {string} markdown
 * @returns {Record<StackName, string[][]>} each command's arguments after `npm install`
 */
export function readInstallCommands(markdown) {
  /** @type {Record<StackName, string[][]>} */
  const commands = { sdk2: [], sdk3: [] };
  for (const [, block = ""] of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    /** @type {StackName | undefined} */
    let stack;
    for (const line of block.replace(/\\\n\s*/g, " ").split("\n")) {
      if (line.startsWith("#")) stack = stackNamedBy(line);
      else if (line.startsWith("npm install ") && stack) {
        commands[stack].push(line.trim().split(/\s+/).slice(2));
      }
    }
  }
  return commands;
}

/**
 * The setup for `stack` in docs/install.md: a `js` block whose first line is `// tracing.mjs`
 * and names the stack.
 * @param {DocSnippet[]} snippets @param {StackName} stack
 */
export function setupOf(snippets, stack) {
  return snippets.find(
    ({ lang, code }) =>
      lang === "js" && /^\/\/ tracing\.mjs\b/.test(code) && stackNamedBy(code) === stack,
  );
}

/**
 * The docs' code blocks a stack compiles: those that name no stack or this one, but none
 * of a package with a check of its own, which compiles them where its engine is installed.
 * @param {DocSnippet[]} snippets @param {StackName} stack
 */
export function stackSnippets(snippets, stack) {
  return snippets.filter(
    ({ file, code }) => file !== OWN_README && (stackNamedBy(code) ?? stack) === stack,
  );
}

/**
 * The folder of a `node` of this major: this process's, or one installed from the
 * `node@<major>` npm package into `workDir` (its install script fetches the binary).
 * @param {number} major @param {string} workDir
 */
async function nodeDirFor(major, workDir) {
  if (process.versions.node.startsWith(`${major}.`)) return path.dirname(process.execPath);
  const dir = path.join(workDir, `node${major}`);
  const bin = path.join(dir, "node_modules", ".bin");
  if (!existsSync(path.join(bin, "node")))
    await (await scratchProject(dir)).npm("install", `node@${major}`);
  return bin;
}

/**
 * A project in `workDir/name` on the stack's Node, where the stack's install commands ran,
 * each layer from its tarball, and the apps of `app/` are copied. The layers depend on
 * each other, and unpublished versions resolve only from tarballs: the first command
 * brings all of `tarballs`. Throws when a command fails.
 * @param {StackName} stack
 * @param {{ workDir: string, tarballs: Map<string, string>, commands: string[][], name?: string }} options
 */
export async function installStack(stack, { workDir, tarballs, commands, name = stack }) {
  if (commands.length === 0) throw new Error(`no npm install for ${stack}`);
  const nodeDir = await nodeDirFor(STACKS[stack], workDir);
  const project = await scratchProject(path.join(workDir, name), nodeDir);
  for (const [index, args] of commands.entries()) {
    const unknown = args.filter((arg) => arg.startsWith("@llm-journey/") && !tarballs.has(arg));
    if (unknown.length > 0) throw new Error(`no tarball for ${unknown.join(", ")}`);
    const others = [...tarballs.keys()].filter((l) => l !== OWN_CHECK && !args.includes(l));
    const specs = [...args, ...(index ? [] : others)].map((a) => tarballs.get(a) ?? a);
    await project.npm("install", ...specs);
  }
  for (const file of await readdir(APP))
    await copyFile(path.join(APP, file), path.join(project.dir, file));
  return project;
}

/**
 * `app/ts-cjs-consumer.ts` in a CommonJS project (no `"type": "module"`) beside `project`,
 * compiled with each of `TS_COMMONJS_SETTINGS` and, when it compiles, run.
 * @param {import("../release/scratch-project.mjs").ScratchProject} project
 */
export async function checkTypeScriptCommonJs(project) {
  /** @type {Record<string, { errors: string[], output?: string, run?: any }>} */
  const outcomes = {};
  for (const module of Object.keys(TS_COMMONJS_SETTINGS)) {
    const dir = path.join(project.dir, `ts-cjs-${module}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "package.json"), '{ "private": true, "type": "commonjs" }\n');
    await copyFile(path.join(project.dir, "ts-cjs-consumer.ts"), path.join(dir, "index.ts"));
    const { errors } = compile(dir, ["index.ts"], { module, outDir: "dist" });
    const codes = [...new Set(errors.map((error) => error.code))].sort();
    outcomes[module] = errors.length
      ? { errors: codes, output: errors.map((error) => error.text).join("\n") }
      : { errors: codes, run: await project.node([path.join(dir, "dist", "index.js")]) };
  }
  return outcomes;
}

/**
 * Runs one check, turning a failure into `{ error }` so that the others still run.
 * @param {() => Promise<any>} check
 */
const settled = (check) =>
  check().catch((error) => ({ error: error instanceof Error ? error.message : String(error) }));

/**
 * One stack: installed, then `app/journey-app.mjs`, then, in the same project, the docs'
 * code blocks compiled, `app/otlp-app.mjs setup` on docs/install.md's setup,
 * `app/cjs-app.cjs`, the TypeScript CommonJS consumers, and, last, because it removes the
 * OTLP protobuf exporter, `app/otlp-app.mjs json-only`. Each report is `{ error }` when its
 * check could not run; the install and the journey app throw.
 * @param {StackName} stack
 * @param {{ workDir: string, tarballs: Map<string, string>, commands: string[][], snippets: DocSnippet[] }} options
 */
export async function checkStack(stack, { snippets, ...options }) {
  const project = await installStack(stack, options);
  const legacy = options.tarballs.has("@llm-journey/legacy-buffer") ? ["--legacy"] : [];
  const journey = await project.node(["journey-app.mjs", stack, ...legacy]);
  const setup = setupOf(snippets, stack);
  const [docs, setupRun, commonJs, typeScriptCommonJs] = await Promise.all([
    settled(async () =>
      compileSnippets(path.join(project.dir, "doc-snippets"), stackSnippets(snippets, stack)),
    ),
    settled(async () => {
      if (!setup) throw new Error("docs/install.md has no setup for this stack");
      await writeFile(path.join(project.dir, "tracing.mjs"), setup.code);
      return project.node(["otlp-app.mjs", "setup"]);
    }),
    settled(() => project.node(["cjs-app.cjs", stack])),
    settled(() => checkTypeScriptCommonJs(project)),
  ]);
  const oneExporter = await settled(async () => {
    await project.npm("uninstall", "@opentelemetry/exporter-trace-otlp-proto");
    return project.node(["otlp-app.mjs", "json-only"]);
  });
  return { journey, docs, setup: setupRun, commonJs, typeScriptCommonJs, oneExporter };
}

/**
 * @llm-journey/node-llama-cpp alone beside node-llama-cpp 3.21.1 and its Linux x64 CPU
 * build, installed with its README's command (optional dependencies left out, so none of
 * node-llama-cpp's GPU builds), the README's code blocks compiled there, and
 * `app/llama-cpp-app.mjs`: real llama.cpp generation, traced. Linux x64 only: the command
 * names that build. Throws when the install or the app fails.
 * @param {{ workDir: string, tarballs: Map<string, string> }} options
 */
export async function checkLlamaCpp({ workDir, tarballs }) {
  const readme = await readFile(path.join(WORKSPACE_ROOT, OWN_README), "utf8");
  // The README's command for the stack of the Node running this check.
  const args = readInstallCommands(readme).sdk2[0];
  if (!args) throw new Error(`${OWN_README} names no npm install for SDK 2`);
  // The package and the layers it depends on come from their tarballs (unpublished
  // versions resolve only from there); then the SDK the application registers.
  const layers = /^@llm-journey\/(node-llama-cpp|context-propagation|tracer-core)$/;
  const project = await installStack("sdk2", {
    workDir,
    name: "node-llama-cpp",
    tarballs: new Map([...tarballs].filter(([layer]) => layers.test(layer))),
    commands: [args, ["--omit=optional", "@opentelemetry/sdk-trace@2"]],
  });
  const du = await run("du", ["-sk", "node_modules"], { cwd: project.dir });
  const snippets = readSnippets(readme, OWN_README);
  return {
    command: `npm install ${args.join(" ")}`,
    nodeModulesKiB: Number(du.split(/\s/)[0]),
    docs: await compileSnippets(path.join(project.dir, "doc-snippets"), snippets),
    report: await project.node(["llama-cpp-app.mjs"]),
  };
}
