// The workspace as the release tooling sees it: its packages, and how they are packed.

import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { lastLines, run } from "./process.mjs";

export const WORKSPACE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const DEPENDENCY_FIELDS = /** @type {const} */ ([
  "dependencies",
  "peerDependencies",
  "optionalDependencies",
]);

/** @typedef {{ dir: string, manifest: any }} WorkspacePackage */

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
    const parent = path.join(root, glob.replace(/\/\*$/, ""));
    const dirs = glob.endsWith("/*")
      ? (await readdir(parent, { withFileTypes: true }))
          .filter((entry) => entry.isDirectory())
          .map((entry) => path.join(parent, entry.name))
      : [parent];
    for (const dir of dirs.filter((dir) => existsSync(path.join(dir, "package.json")))) {
      const manifest = await readJson(path.join(dir, "package.json"));
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

/** @typedef {{ name: string, version: string, filename: string, files: { path: string }[] }} PackReport */

/**
 * Packs the package in `dir` with pnpm, which writes real ranges for `workspace:`
 * dependencies.
 * @param {string} dir
 * @param {string} destination
 * @param {string} [root] the workspace, whose pnpm packs
 * @returns {Promise<PackReport>} pnpm's report (the tarball's path in `filename`)
 */
export async function pack(dir, destination, root = WORKSPACE_ROOT) {
  const pnpm = path.join(root, "node_modules", ".bin", "pnpm");
  const ran = await run(pnpm, ["pack", "--pack-destination", destination, "--json"], { cwd: dir });
  if (ran.code !== 0) {
    throw new Error(`pnpm pack failed in ${dir}:\n${lastLines(ran.stderr || ran.stdout)}`);
  }
  const report = JSON.parse(ran.stdout.slice(ran.stdout.indexOf("{")));
  return { ...report, filename: path.resolve(destination, report.filename) };
}

/**
 * Packs one package and returns the tarball's path.
 * @param {string} dir
 * @param {string} destination
 * @param {string} [root]
 */
export async function packPackage(dir, destination, root = WORKSPACE_ROOT) {
  return (await pack(dir, destination, root)).filename;
}

/**
 * Packs every publishable package of the workspace into `destination`.
 * @param {string} destination
 * @returns {Promise<Map<string, string>>} tarball path by package name
 */
export async function packWorkspace(destination) {
  const dirs = await listPublishablePackages();
  const reports = await Promise.all(dirs.map((dir) => pack(dir, destination)));
  return new Map(reports.map(({ name, filename }) => [name, filename]));
}
