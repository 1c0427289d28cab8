#!/usr/bin/env node
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { changesetPackages, evaluateChangesets, readPendingChangesets } from "./changesets.mjs";
import { run } from "./process.mjs";
import { breakingDependencyProblems, readReleasePlan } from "./release-plan.mjs";
import { readWorkspacePackages, WORKSPACE_ROOT } from "./workspace.mjs";

/**
 * @param {string[]} args
 * @param {string} [cwd]
 */
async function git(args, cwd = WORKSPACE_ROOT) {
  const ran = await run("git", args, { cwd, env: process.env });
  return { ok: ran.code === 0, out: ran.stdout, err: ran.stderr };
}

/**
 * The ref to compare with: the one given, origin/main, or HEAD~1.
 * @param {string | undefined} given
 */
export async function resolveBase(given) {
  if (given) return given;
  for (const candidate of ["origin/main", "HEAD~1"]) {
    if ((await git(["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`])).ok) {
      return candidate;
    }
  }
  return undefined;
}

/**
 * Every file changed since the merge base of `base` and HEAD, working tree included.
 * @param {string} base
 */
export async function changedFilesSince(base) {
  const mergeBase = await git(["merge-base", base, "HEAD"]);
  if (!mergeBase.ok) throw new Error(`no merge base between ${base} and HEAD: ${mergeBase.err}`);
  const from = mergeBase.out.trim();
  const diff = await git(["diff", "--name-only", "--no-renames", from]);
  if (!diff.ok) throw new Error(`git diff failed: ${diff.err}`);
  const untracked = await git(["ls-files", "--others", "--exclude-standard"]);
  const files = [...diff.out.split("\n"), ...untracked.out.split("\n")].filter(Boolean);
  return { mergeBase: from, files: [...new Set(files)].sort() };
}

async function main() {
  const args = process.argv.slice(2);
  const baseIndex = args.indexOf("--base");
  const base = await resolveBase(baseIndex >= 0 ? args[baseIndex + 1] : undefined);
  if (!base) {
    console.log("changeset check: no base to compare with (a single commit); nothing to check");
    return;
  }
  const { mergeBase, files } = await changedFilesSince(base);
  const changed = new Set(files);
  const changesets = await readPendingChangesets(WORKSPACE_ROOT, (file) => changed.has(file));
  const packages = await changesetPackages(WORKSPACE_ROOT);
  const verdict = evaluateChangesets({ changedFiles: files, packages, changesets });
  // The pending changesets as a whole, once each parses: a breaking bump must reach every
  // dependent, or `npm run version-packages` refuses after the merge.
  if (verdict.ok) {
    const plan = await readReleasePlan(WORKSPACE_ROOT);
    const workspace = await readWorkspacePackages(WORKSPACE_ROOT);
    verdict.problems.push(...breakingDependencyProblems(plan.releases, workspace));
    verdict.ok = verdict.problems.length === 0;
  }

  console.log(`changeset check against ${base} (merge base ${mergeBase.slice(0, 10)})`);
  for (const entry of verdict.changed) {
    const by = entry.changesets.length
      ? `covered by ${entry.changesets.join(", ")}`
      : "NOT covered";
    console.log(`  ${entry.name}: ${entry.files.length} source file(s) changed, ${by}`);
  }
  if (verdict.changed.length === 0) console.log("  no package source changed");
  for (const problem of verdict.problems) console.log(`  ✗ ${problem}`);
  console.log(verdict.ok ? "ok" : "FAILED");
  process.exitCode = verdict.ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
