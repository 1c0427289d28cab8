#!/usr/bin/env node
// `npm run changeset:check [-- --base REF]`: whether the changes since the base (CI gives
// the pull request's; else origin/main, else HEAD~1) come with their changesets. Changesets
// finds what changed (`changedFilePatterns` in .changeset/config.json leaves tests out) and
// reads the changesets; unlike `changeset status`, which asks for one changeset in all,
// every changed publishable package must be named by a changeset added since the base.

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { getChangedPackagesSinceRef } from "@changesets/git";
import { planProblems, readReleasePlan } from "./release-plan.mjs";
import { readJson, readWorkspacePackages, WORKSPACE_ROOT } from "./workspace.mjs";

/**
 * Every reason the changes since `base` in the repository at `root` are not ready to merge.
 * @param {string} root
 * @param {string} base
 */
export async function changesetProblems(root, base) {
  const { changedFilePatterns } = await readJson(path.join(root, ".changeset", "config.json"));
  const changed = await getChangedPackagesSinceRef({ cwd: root, ref: base, changedFilePatterns });
  let added, pending;
  try {
    // One after the other: when the first fails, no read is left running (changesets' reader
    // then rejects unhandled if the files change, as the next check of a test does).
    added = await readReleasePlan(root, base);
    pending = await readReleasePlan(root);
  } catch (error) {
    return [`the changesets cannot be read: ${error instanceof Error ? error.message : error}`];
  }
  const named = new Set(added.changesets.flatMap(({ releases }) => releases.map((r) => r.name)));
  return [
    ...changed
      .map(({ packageJson }) => packageJson)
      .filter((manifest) => !manifest.private && !named.has(manifest.name))
      .map(
        ({ name }) =>
          `${name}: its source changed since ${base}, but no new changeset names it: run \`npm run changeset\``,
      ),
    ...planProblems(pending, await readWorkspacePackages(root)),
  ];
}

/** @param {string} ref */
const exists = (ref) =>
  spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).status === 0;

if (process.argv[1] === import.meta.filename) {
  const given = process.argv.indexOf("--base");
  const base = given > 0 ? process.argv[given + 1] : ["origin/main", "HEAD~1"].find(exists);
  if (!base) console.log("changeset check: no base to compare with; nothing to check");
  else {
    const problems = await changesetProblems(WORKSPACE_ROOT, base);
    for (const problem of problems) console.log(`  ✗ ${problem}`);
    console.log(`changeset check against ${base}: ${problems.length ? "FAILED" : "ok"}`);
    process.exitCode = problems.length ? 1 : 0;
  }
}
