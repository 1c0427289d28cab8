#!/usr/bin/env node
// Proves that @llm-journey/node-llama-cpp installs alone beside node-llama-cpp 3.21.1 and
// its Linux x64 CPU build, with the command of its README (optional dependencies left
// out, so none of node-llama-cpp's GPU builds), in a project outside the workspace, and
// traces real llama.cpp generation there: `app/llama-cpp-app.mjs` runs in the project
// and prints what was exported and what the install left on disk.
//
// Library: `runLlamaCppCheck({ workDir, tarballs })`. CLI: `node
// tooling/compat/llama-cpp-check.mjs [--keep]` prints the report; exit 1 on failure.
// Build the packages first. Linux x64 only: the README's command names that build.

import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { readSnippets } from "../release/doc-snippets.mjs";
import { childEnv, lastLines, run } from "../release/process.mjs";
import { WORKSPACE_ROOT } from "../release/workspace.mjs";
import { packLayers } from "./compat-check.mjs";
import { compileDocSnippets } from "./stack-checks.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE = "@llm-journey/node-llama-cpp";
const README = "packages/node-llama-cpp/README.md";

/**
 * The first `npm install` command of the package README's "## Install" section, as
 * arguments after `npm install`, `\` continuations joined.
 * @param {string} readme
 */
export function readPackageInstallCommand(readme) {
  const start = readme.indexOf("## Install");
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))?.[1] ?? "";
  const line = block
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .find((text) => text.startsWith("npm install "));
  if (start === -1 || !line) throw new Error(`the ${PACKAGE} README names no npm install`);
  return line.trim().split(/\s+/).slice(2);
}

/**
 * @typedef {{
 *   ok: boolean, failedStep?: string, message?: string, command: string,
 *   installMs?: number, nodeModulesKiB?: number, report?: any, ms: number,
 *   docs?: { compiled: number, problems: string[] },
 * }} LlamaCppResult
 * `docs`: the README's code blocks, compiled against what the project installed.
 */

/**
 * @param {{ workDir: string, tarballs: Map<string, string> }} options
 * @returns {Promise<LlamaCppResult>}
 */
export async function runLlamaCppCheck({ workDir, tarballs }) {
  const started = Date.now();
  const readme = await readFile(path.join(WORKSPACE_ROOT, README), "utf8");
  const args = readPackageInstallCommand(readme);
  /** @type {LlamaCppResult} */
  const result = { ok: false, command: `npm install ${args.join(" ")}`, ms: 0 };
  /** @param {string} step @param {string} message */
  const fail = (step, message) => {
    result.failedStep = step;
    result.message = message.split(workDir).join("<tmp>");
    result.ms = Date.now() - started;
    return result;
  };
  const project = path.join(workDir, "node-llama-cpp");
  await mkdir(project, { recursive: true });
  await writeFile(
    path.join(project, "package.json"),
    `${JSON.stringify({ name: "compat-node-llama-cpp", private: true, type: "module" }, null, 2)}\n`,
  );
  // The README's command, the package and the layers it depends on from their tarballs
  // (unpublished versions resolve only from there); then what the app itself imports:
  // the core tracer, and the SDK the application registers.
  const own = ["@llm-journey/context-propagation", "@llm-journey/tracer-core"];
  const specs = [
    ...args.map((arg) => tarballs.get(arg) ?? arg),
    ...own.map((name) => tarballs.get(name) ?? name),
  ];
  const env = childEnv();
  const installStarted = Date.now();
  const flags = ["--no-audit", "--no-fund", "--prefer-offline"];
  let ran = await run("npm", ["install", ...flags, ...specs], { cwd: project, env });
  if (ran.code !== 0) return fail("install", lastLines(ran.stderr || ran.stdout, 25));
  result.installMs = Date.now() - installStarted;
  ran = await run("npm", ["install", ...flags, "--omit=optional", "@opentelemetry/sdk-trace@2"], {
    cwd: project,
    env,
  });
  if (ran.code !== 0) return fail("install sdk", lastLines(ran.stderr || ran.stdout, 25));
  const du = await run("du", ["-sk", "node_modules"], { cwd: project });
  result.nodeModulesKiB = Number(du.stdout.split(/\s/)[0]);

  result.docs = await compileDocSnippets(
    project,
    readSnippets(readme, README),
    () => undefined,
    "",
  );
  await copyFile(path.join(HERE, "app", "llama-cpp-app.mjs"), path.join(project, "app.mjs"));
  ran = await run("node", ["app.mjs"], { cwd: project, env, timeoutMs: 120_000 });
  if (ran.code !== 0) return fail("app", lastLines(ran.stderr || ran.stdout, 25));
  try {
    result.report = JSON.parse(ran.stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    return fail("app", `the app printed no report:\n${lastLines(ran.stdout)}`);
  }
  result.ok = true;
  result.ms = Date.now() - started;
  return result;
}

async function main() {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "llm-journey-compat-llama-"));
  const keep = process.argv.includes("--keep");
  try {
    const tarballs = await packLayers(path.join(workDir, "tarballs"));
    const result = await runLlamaCppCheck({ workDir, tarballs });
    const { report, ...summary } = result;
    console.log(JSON.stringify(summary, null, 2));
    if (report) console.log(JSON.stringify({ ...report, spans: report.spans.length }, null, 2));
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    if (keep) console.log(`kept ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
