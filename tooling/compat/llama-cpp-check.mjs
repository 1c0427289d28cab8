// Installs @llm-journey/node-llama-cpp alone beside node-llama-cpp 3.21.1 and its Linux x64
// CPU build, with the command of its README (optional dependencies left out, so none of
// node-llama-cpp's GPU builds), in a project outside the workspace, compiles the README's
// code blocks there, and runs `app/llama-cpp-app.mjs`: real llama.cpp generation, traced.
// Linux x64 only: the README's command names that build.

import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { compileSnippets, readSnippets } from "../release/doc-snippets.mjs";
import { run } from "../release/process.mjs";
import { WORKSPACE_ROOT } from "../release/workspace.mjs";
import { installStack, readInstallCommands } from "./compat-check.mjs";

const README = "packages/node-llama-cpp/README.md";

/**
 * Throws when the install or the app fails.
 * @param {{ workDir: string, tarballs: Map<string, string> }} options
 */
export async function checkLlamaCpp({ workDir, tarballs }) {
  const readme = await readFile(path.join(WORKSPACE_ROOT, README), "utf8");
  // The README's command for the stack of the Node running this check.
  const args = readInstallCommands(readme).sdk2[0];
  if (!args) throw new Error(`${README} names no npm install for SDK 2`);
  // The package and the layers it depends on come from their tarballs (unpublished
  // versions resolve only from there); then the SDK the application registers.
  const layers = ["node-llama-cpp", "context-propagation", "tracer-core"].map((name) => {
    const layer = `@llm-journey/${name}`;
    return /** @type {[string, string]} */ ([layer, String(tarballs.get(layer))]);
  });
  const project = await installStack("sdk2", {
    workDir,
    name: "node-llama-cpp",
    tarballs: new Map(layers),
    commands: [args, ["--omit=optional", "@opentelemetry/sdk-trace@2"]],
  });
  const du = await run("du", ["-sk", "node_modules"], { cwd: project.dir });
  const snippets = readSnippets(readme, README);
  return {
    command: `npm install ${args.join(" ")}`,
    nodeModulesKiB: Number(du.split(/\s/)[0]),
    docs: await compileSnippets(path.join(project.dir, "doc-snippets"), snippets),
    report: await project.node(["llama-cpp-app.mjs"]),
  };
}
