// A project outside the workspace, as a user has one: packages installed with plain npm
// (from tarballs and the registry), programs run there on the project's Node.

import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { childEnv, lastLines, run } from "./process.mjs";

/**
 * @typedef {Awaited<ReturnType<typeof scratchProject>>} ScratchProject
 */

/**
 * Creates the project in `dir`. Every method throws, with the end of the command's output,
 * when the command fails.
 * @param {string} dir
 * @param {{ manifest?: object, nodeDir?: string }} [options] `nodeDir`: the folder of the
 *   `node` that runs the project's programs (default: the one on the PATH)
 */
export async function scratchProject(
  dir,
  { manifest = { private: true, type: "module" }, nodeDir } = {},
) {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const env = childEnv();
  if (nodeDir) env.PATH = `${nodeDir}${path.delimiter}${env.PATH ?? ""}`;
  /** @param {string} command @param {string[]} args @param {number} [timeoutMs] */
  const exec = async (command, args, timeoutMs) => {
    const ran = await run(command, args, { cwd: dir, env, timeoutMs });
    if (ran.code === 0) return ran.stdout;
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${lastLines(ran.stderr || ran.stdout, 25)}`,
    );
  };
  return {
    dir,
    /** @param {string[]} args */
    npm: (...args) => exec("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"]),
    /** `npm install` of `specs`: names, tarball paths and flags. @param {string[]} specs */
    install: (specs) =>
      exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...specs]),
    /**
     * Runs a program of the project and parses the JSON line it prints last.
     * @param {string[]} args @param {number} [timeoutMs] @returns {Promise<any>}
     */
    async node(args, timeoutMs = 120_000) {
      const stdout = await exec("node", args, timeoutMs);
      try {
        return JSON.parse(stdout.split("\n").at(-1) ?? "");
      } catch {
        throw new Error(`node ${args.join(" ")} printed no report:\n${lastLines(stdout)}`);
      }
    },
  };
}
