// The workspace as the release tooling sees it: its packages, and how one is packed.

import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { lastLines, run } from "./process.mjs";

export const WORKSPACE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Must equal the root `packageManager` pin: pnpm refuses to switch versions otherwise. */
export const PNPM_VERSION = "10.34.9";

export const DEPENDENCY_FIELDS = /** @type {const} */ ([
  "dependencies",
  "peerDependencies",
  "optionalDependencies",
]);

/**
 * @typedef {{ dir: string, manifest: any }} WorkspacePackage
 */

/** @param {string} file @returns {Promise<any>} */
export async function readJson(file) {
  return JSON.parse(await readFile(file, "utf8"));
}

/**
 * Every workspace package by name, from the globs of pnpm-workspace.yaml.
 * @param {string} [root]
 * @returns {Promise<Map<string, WorkspacePackage>>}
 */
export async function readWorkspacePackages(root = WORKSPACE_ROOT) {
  const { packages: globs } = parse(await readFile(path.join(root, "pnpm-workspace.yaml"), "utf8"));
  const packages = new Map();
  for (const glob of globs) {
    const dirs = glob.endsWith("/*")
      ? (await readdir(path.join(root, glob.slice(0, -2)), { withFileTypes: true }))
          .filter((entry) => entry.isDirectory())
          .map((entry) => path.join(root, glob.slice(0, -2), entry.name))
      : [path.join(root, glob)];
    for (const dir of dirs) {
      const file = path.join(dir, "package.json");
      if (!existsSync(file)) continue;
      const manifest = await readJson(file);
      packages.set(manifest.name, { dir, manifest });
    }
  }
  return packages;
}

/**
 * The directories of the packages that get published: every `packages/*` that is not private.
 * @param {string} [root]
 */
export async function listPublishablePackages(root = WORKSPACE_ROOT) {
  const packagesDir = path.join(root, "packages");
  return [...(await readWorkspacePackages(root)).values()]
    .filter(({ dir, manifest }) => path.dirname(dir) === packagesDir && manifest.private !== true)
    .map(({ dir }) => dir)
    .sort();
}

/**
 * The workspace packages that one needs at run time, transitively: their tarballs are
 * installed with it, since they are not on the registry yet.
 * @param {any} manifest
 * @param {Map<string, WorkspacePackage>} workspace
 */
export function internalDependencies(manifest, workspace) {
  /** @type {Set<string>} */
  const seen = new Set();
  /** @param {any} current */
  const visit = (current) => {
    for (const field of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(current[field] ?? {})) {
        const internal = workspace.get(name);
        if (!internal || seen.has(name) || name === manifest.name) continue;
        seen.add(name);
        visit(internal.manifest);
      }
    }
  };
  visit(manifest);
  return [...seen];
}

/**
 * pnpm from the root devDependencies when installed, else fetched at the pinned version.
 * @param {string} root
 */
export function pnpmCommand(root = WORKSPACE_ROOT) {
  const local = path.join(root, "node_modules", ".bin", "pnpm");
  if (existsSync(local)) return { command: local, args: [] };
  return { command: "npx", args: ["--yes", "--prefer-offline", `pnpm@${PNPM_VERSION}`] };
}

/**
 * Packs a package with pnpm, which writes real ranges for `workspace:` dependencies, and
 * returns the tarball's path.
 * @param {string} dir
 * @param {string} destination
 * @param {string} [root]
 */
export async function packPackage(dir, destination, root = WORKSPACE_ROOT) {
  const pnpm = pnpmCommand(root);
  const result = await run(
    pnpm.command,
    [...pnpm.args, "pack", "--pack-destination", destination, "--json"],
    { cwd: dir },
  );
  if (result.code !== 0) {
    throw new Error(`pnpm pack failed in ${dir}:\n${lastLines(result.stderr || result.stdout)}`);
  }
  const report = JSON.parse(result.stdout.slice(result.stdout.indexOf("{")));
  return path.resolve(destination, report.filename);
}
