// The workspace as the release tooling sees it: its packages, and how they are packed.

import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { getPackages } from "@manypkg/get-packages";
import { run } from "./process.mjs";

export const WORKSPACE_ROOT = path.resolve(import.meta.dirname, "../..");

export const DEPENDENCY_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies"];

/** @typedef {{ dir: string, manifest: any }} WorkspacePackage */

/** @param {string} file @returns {Promise<any>} */
export async function readJson(file) {
  return JSON.parse(await readFile(file, "utf8"));
}

/**
 * Every workspace package by name, found as changesets finds them.
 * @param {string} [root]
 * @returns {Promise<Map<string, WorkspacePackage>>}
 */
export async function readWorkspacePackages(root = WORKSPACE_ROOT) {
  const { packages } = await getPackages(root);
  return new Map(
    packages.map((p) => [p.packageJson.name, { dir: p.dir, manifest: p.packageJson }]),
  );
}

/** The directories of the packages that get published: those that are not private. */
export async function listPublishablePackages() {
  return [...(await readWorkspacePackages()).values()]
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir }) => dir)
    .sort();
}

/** @typedef {{ name: string, version: string, filename: string, files: { path: string }[] }} PackReport */

/**
 * Packs the package in `dir` with pnpm, which writes real ranges for `workspace:`
 * dependencies.
 * @param {string} dir
 * @param {string} destination
 * @returns {Promise<PackReport>} pnpm's report (the tarball's path in `filename`)
 */
export async function pack(dir, destination) {
  const pnpm = path.join(WORKSPACE_ROOT, "node_modules", ".bin", "pnpm");
  const args = ["pack", "--pack-destination", destination, "--json"];
  const stdout = await run(pnpm, args, { cwd: dir });
  const report = JSON.parse(stdout.slice(stdout.indexOf("{")));
  return { ...report, filename: path.resolve(destination, report.filename) };
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
