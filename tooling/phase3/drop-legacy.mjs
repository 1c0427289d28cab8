// Phase 3 as a check: the legacy buffered path is dropped and nothing else changes.
//
// Copies the workspace (tracked and new files, as git sees them) to a temporary folder
// without `packages/legacy-buffer`, the demo server's legacy wiring and its tests
// (`apps/demo-server/src/legacy/`, `apps/demo-server/test/legacy/`), the changesets that
// release the package alone, and the demo server's one dependency line on it; then
// installs there and runs `npm test` (build, type-check, lint, every remaining test).
// Nothing else is edited: the drop is exactly the list `dropLegacy` returns.

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
// The lockfile still lists the package: the one place the install must update.
const INSTALL = "--yes --prefer-offline pnpm@10.34.9 install --no-frozen-lockfile --prefer-offline";

/** Returns what was dropped, why the copy failed (if it did) and its test totals. */
export async function dropLegacy() {
  const copy = await mkdtemp(path.join(os.tmpdir(), "llm-journey-phase3-"));
  try {
    const removed = await copyWithoutLegacy(copy);
    const env = { ...childEnv(), TURBO_TELEMETRY_DISABLED: "1" };
    const options = { cwd: copy, env, timeoutMs: 1_200_000 };
    // `npm test` is the daily suite, which does not hold this check: it never recurses.
    const failure = await run("npx", INSTALL.split(" "), options)
      .then(() => run("npm", ["test"], options))
      .then(() => undefined)
      .catch((/** @type {Error} */ error) => error.message);
    const reportFile = path.join(copy, ".test-artifacts/vitest-report.json");
    const report = await readJson(reportFile).catch(() => undefined);
    const totals = report && { passed: report.numPassedTests, failed: report.numFailedTests };
    return { failure, removed, totals };
  } finally {
    await rm(copy, { recursive: true, force: true });
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
  const args = ["ls-files", "--cached", "--others", "--exclude-standard", "-z"];
  const listed = await run("git", args, { cwd: WORKSPACE_ROOT });
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
