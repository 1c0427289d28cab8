#!/usr/bin/env node
// `npm run version-packages`: `changeset version`, with the two rules of release-plan.mjs.
//
//   node tooling/release/version.mjs
//
// It refuses, changing nothing, when a breaking bump of a package would leave one of its
// dependents without a breaking bump; otherwise it runs `changeset version` and rewrites the
// changelog of each package released for the first time so that it reads as one.

import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { runVisible } from "./process.mjs";
import {
  breakingDependencyProblems,
  firstReleaseChangelog,
  readReleasePlan,
  UNRELEASED,
} from "./release-plan.mjs";
import { readWorkspacePackages, WORKSPACE_ROOT } from "./workspace.mjs";

/**
 * Versions the packages of the workspace at `root`.
 * @param {string} [root]
 * @returns {Promise<{ ok: boolean, problems: string[], firstReleases: string[] }>}
 */
export async function versionPackages(root = WORKSPACE_ROOT) {
  const plan = await readReleasePlan(root);
  const workspace = await readWorkspacePackages(root);
  const problems = breakingDependencyProblems(plan.releases, workspace);
  if (problems.length) return { ok: false, problems, firstReleases: [] };

  const changesetBin = path.join(WORKSPACE_ROOT, "node_modules", "@changesets", "cli", "bin.js");
  const code = await runVisible(process.execPath, [changesetBin, "version"], { cwd: root });
  if (code !== 0)
    return { ok: false, problems: [`changeset version failed (exit ${code})`], firstReleases: [] };

  const firstReleases = [];
  for (const release of plan.releases) {
    const pkg = workspace.get(release.name);
    if (release.oldVersion !== UNRELEASED || !pkg) continue;
    await writeFile(
      path.join(pkg.dir, "CHANGELOG.md"),
      firstReleaseChangelog(release.name, release.newVersion, plan.changesets),
    );
    firstReleases.push(release.name);
  }
  return { ok: true, problems: [], firstReleases };
}

async function main() {
  const result = await versionPackages();
  for (const problem of result.problems) console.error(`  ✗ ${problem}`);
  if (!result.ok) {
    console.error("\nversion-packages: nothing was changed");
    process.exitCode = 1;
    return;
  }
  if (result.firstReleases.length) {
    console.log(`First release, changelog written as one: ${result.firstReleases.join(", ")}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
