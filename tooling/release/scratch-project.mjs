// A project outside the workspace, as a user has one: packages installed with plain npm
// (from tarballs and the registry), programs run there on the project's Node.

import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { childEnv, run } from "./process.mjs";

/** @typedef {Awaited<ReturnType<typeof scratchProject>>} ScratchProject */

/**
 * Creates the project in `dir`. Every method throws, with the end of the command's output,
 * when the command fails.
 * @param {string} dir
 * @param {string} [nodeDir] the folder of the `node` that runs the project's programs
 *   (default: the one on the PATH)
 */
export async function scratchProject(dir, nodeDir) {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "package.json"), '{ "private": true, "type": "module" }\n');
  const env = childEnv();
  if (nodeDir) env.PATH = `${nodeDir}${path.delimiter}${env.PATH ?? ""}`;
  return {
    dir,
    /** Runs `npm <args>` in the project. @param {string[]} args */
    npm: (...args) => run("npm", [...args, "--prefer-offline"], { cwd: dir, env }),
    /**
     * Runs a program of the project and parses the JSON line it prints last.
     * @param {string[]} args @param {number} [timeoutMs] @returns {Promise<any>}
     */
    async node(args, timeoutMs = 120_000) {
      const stdout = await run("node", args, { cwd: dir, env, timeoutMs });
      try {
        return JSON.parse(stdout.split("\n").at(-1) ?? "");
      } catch {
        throw new Error(`node ${args.join(" ")} printed no report:\n${stdout.slice(-2000)}`);
      }
    },
  };
}
