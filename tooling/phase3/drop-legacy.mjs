#!/usr/bin/env node
// Phase 3 as a check: the legacy buffered path is dropped and nothing else changes.
//
// Copies the workspace (tracked and new files, as git sees them) to a temporary folder
// without `packages/legacy-buffer`, the demo server's legacy wiring and its tests
// (`apps/demo-server/src/legacy/`, `apps/demo-server/test/legacy/`), the changesets that
// release the package alone, and the demo server's one dependency line on it; then
// installs, builds, type-checks, lints and runs every remaining test there. Nothing else
// is edited: the drop is exactly the list this script prints.
//
// CLI: `node tooling/phase3/drop-legacy.mjs [--keep]` exits 1 when a step fails.
// Library: `dropLegacy({ keep })` returns the steps and the inner test totals.

import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { childEnv, run } from "../release/process.mjs";
import { readReleasePlan } from "../release/release-plan.mjs";
import { readJson, WORKSPACE_ROOT } from "../release/workspace.mjs";

/** What Phase 3 deletes besides the package's changesets and the demo's dependency line. */
export const DROPPED = [
  "packages/legacy-buffer/",
  "apps/demo-server/src/legacy/",
  "apps/demo-server/test/legacy/",
];
const LEGACY_PACKAGE = "@llm-journey/legacy-buffer";
/** @type {[string, string][]} what runs in the copy, each through npx */
const STEPS = [
  // The lockfile still lists the package: the one place the install must update.
  ["install", "--yes --prefer-offline pnpm@10.34.9 install --no-frozen-lockfile --prefer-offline"],
  ["build and typecheck", "turbo run build typecheck --output-logs=errors-only"],
  ["biome check", "biome check ."],
  ["vitest run", "vitest run"],
];

/** @param {{ keep?: boolean, log?: (line: string) => void }} [options] */
export async function dropLegacy({ keep = false, log = () => {} } = {}) {
  const copy = await mkdtemp(path.join(os.tmpdir(), "llm-journey-phase3-"));
  try {
    /** @type {{ step: string, ok: boolean, detail: string }[]} */
    const steps = [];
    /** @param {string} step @param {boolean} ok @param {string} detail */
    const record = (step, ok, detail) => {
      steps.push({ step, ok, detail });
      log(`${ok ? "ok  " : "FAIL"} ${step}: ${detail}`);
      return ok;
    };
    const removed = await copyWithoutLegacy(copy);
    record("copy without the legacy path", true, removed.join(", "));
    // `vitest run` is the daily suite, which does not hold this check: it never recurses.
    const env = { ...childEnv(), TURBO_TELEMETRY_DISABLED: "1" };
    for (const [name, args] of STEPS) {
      const started = Date.now();
      const failure = await run("npx", args.split(" "), { cwd: copy, env, timeoutMs: 1_200_000 })
        .then(() => "")
        .catch((/** @type {Error} */ error) => `\n${error.message}`);
      const took = `${((Date.now() - started) / 1000).toFixed(0)} s`;
      if (!record(name, !failure, `${took}${failure}`)) break;
    }
    const report = await readJson(path.join(copy, ".test-artifacts/vitest-report.json")).catch(
      () => undefined,
    );
    const totals = report && { passed: report.numPassedTests, failed: report.numFailedTests };
    return { ok: steps.every((s) => s.ok), steps, removed, totals, copy: keep ? copy : undefined };
  } finally {
    if (!keep) await rm(copy, { recursive: true, force: true });
  }
}

/**
 * Copies every file git knows (tracked or new, not ignored) except the dropped ones and
 * the changesets that release only the legacy package.
 * @param {string} copy
 */
async function copyWithoutLegacy(copy) {
  const { changesets } = await readReleasePlan(WORKSPACE_ROOT);
  const legacyOnly = changesets
    .filter(({ releases }) => releases.length && releases.every((r) => r.name === LEGACY_PACKAGE))
    .map(({ id }) => `.changeset/${id}.md`);
  const listed = await run(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "-z"],
    {
      cwd: WORKSPACE_ROOT,
    },
  );
  const removed = new Set();
  for (const file of listed.split("\0").filter(Boolean)) {
    const dropped = [...DROPPED, ...legacyOnly].find((prefix) => file.startsWith(prefix));
    if (dropped !== undefined) removed.add(dropped);
    // A file deleted in the working tree but not yet in git's index is left out.
    else
      await cp(path.join(WORKSPACE_ROOT, file), path.join(copy, file)).catch((error) => {
        if (error.code !== "ENOENT") throw error;
      });
  }
  const manifestPath = path.join(copy, "apps/demo-server/package.json");
  const manifest = await readJson(manifestPath);
  if (manifest.dependencies?.[LEGACY_PACKAGE] !== undefined) {
    delete manifest.dependencies[LEGACY_PACKAGE];
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    removed.add(`the ${LEGACY_PACKAGE} dependency of apps/demo-server/package.json`);
  }
  return [...removed];
}

if (process.argv[1] === import.meta.filename) {
  const result = await dropLegacy({ keep: process.argv.includes("--keep"), log: console.log });
  const { passed, failed } = result.totals ?? {};
  if (result.totals)
    console.log(`tests without the legacy path: ${passed} passed, ${failed} failed`);
  if (result.copy) console.log(`kept: ${result.copy}`);
  process.exitCode = result.ok ? 0 : 1;
}
