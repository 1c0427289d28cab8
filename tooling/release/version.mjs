#!/usr/bin/env node
// `npm run version-packages`: `changeset version`, with the rules of release-plan.mjs. It
// refuses, changing nothing, on a problem `planProblems` finds (a dependent left without the
// breaking bump of its dependency, say); otherwise it runs `changeset version` and rewrites
// the changelog of each package released for the first time so that it reads as one.

import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import {
  firstReleaseChangelog,
  planProblems,
  readReleasePlan,
  UNRELEASED,
} from "./release-plan.mjs";
import { readWorkspacePackages, WORKSPACE_ROOT } from "./workspace.mjs";

export const CHANGESET = path.join(WORKSPACE_ROOT, "node_modules", "@changesets", "cli", "bin.js");

/**
 * Versions the packages of the workspace at `root`; returns the problems that stopped it.
 * @param {string} [root]
 */
export async function versionPackages(root = WORKSPACE_ROOT) {
  const plan = await readReleasePlan(root);
  const workspace = await readWorkspacePackages(root);
  const problems = planProblems(plan, workspace);
  if (problems.length) return problems;
  execFileSync(process.execPath, [CHANGESET, "version"], { cwd: root, stdio: "inherit" });
  for (const release of plan.releases.filter((r) => r.oldVersion === UNRELEASED)) {
    await writeFile(
      path.join(String(workspace.get(release.name)?.dir), "CHANGELOG.md"),
      firstReleaseChangelog(release.name, release.newVersion, plan.changesets),
    );
  }
  return [];
}

if (process.argv[1] === import.meta.filename) {
  const problems = await versionPackages();
  for (const problem of problems) console.error(`  ✗ ${problem}`);
  if (problems.length) console.error("\nversion-packages: nothing was changed");
  process.exitCode = problems.length ? 1 : 0;
}
