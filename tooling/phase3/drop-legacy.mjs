#!/usr/bin/env node
// Phase 3 as a check: the legacy buffered path is dropped and nothing else changes.
//
// Copies the workspace (tracked and new files, as git sees them) to a temporary folder
// without `packages/legacy-buffer`, without the demo server's legacy wiring and its tests
// (`apps/demo-server/src/legacy/`, `apps/demo-server/test/legacy/`) and without the
// changeset that releases the package;
// removes the demo server's one dependency line on the package; then installs, builds,
// type-checks, lints and runs every remaining test there. Nothing else is edited: the
// drop is exactly the list this script prints.
//
// CLI: `node tooling/phase3/drop-legacy.mjs [--keep]` exits 1 when a step fails.
// Library: `dropLegacy({ keep })` returns the steps and the inner test totals.

import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { childEnv, run } from "../release/process.mjs";
import { WORKSPACE_ROOT } from "../release/workspace.mjs";

/** What Phase 3 deletes: the package, the demo's wiring, the package's own changesets. */
export const DROPPED = [
  "packages/legacy-buffer/",
  "apps/demo-server/src/legacy/",
  "apps/demo-server/test/legacy/",
];
const LEGACY_PACKAGE = "@llm-journey/legacy-buffer";
const PNPM = ["--yes", "--prefer-offline", "pnpm@10.34.9"];
/** Set in the copy, so its own run of this check does not recurse. */
export const INSIDE_COPY = "LLM_JOURNEY_PHASE3_COPY";

/**
 * @param {{ keep?: boolean, log?: (line: string) => void }} [options]
 */
export async function dropLegacy({ keep = false, log = () => {} } = {}) {
  const copy = await mkdtemp(path.join(os.tmpdir(), "llm-journey-phase3-"));
  /** @type {Array<{ step: string, ok: boolean, detail: string }>} */
  const steps = [];
  const step = (name, ok, detail = "") => {
    steps.push({ step: name, ok, detail });
    log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
    return ok;
  };
  try {
    const removed = await copyWithoutLegacy(copy);
    step("copy without the legacy path", true, removed.join(", "));

    const env = { ...childEnv(), [INSIDE_COPY]: "1", TURBO_TELEMETRY_DISABLED: "1" };
    const commands = [
      // The lockfile still lists the package: the one place the install must update.
      ["install", "npx", [...PNPM, "install", "--no-frozen-lockfile", "--prefer-offline"]],
      [
        "build and typecheck",
        "npx",
        ["turbo", "run", "build", "typecheck", "--output-logs=errors-only"],
      ],
      ["biome check", "npx", ["biome", "check", "."]],
      ["vitest run", "npx", ["vitest", "run"]],
    ];
    for (const [name, command, args] of commands) {
      const result = await run(command, args, { cwd: copy, env, timeoutMs: 1_200_000 });
      const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-15).join("\n");
      if (
        !step(
          name,
          result.code === 0,
          `${(result.ms / 1000).toFixed(0)} s${result.code === 0 ? "" : `\n${tail}`}`,
        )
      ) {
        break;
      }
    }
    const totals = await testTotals(copy);
    return { ok: steps.every((s) => s.ok), steps, removed, totals, copy: keep ? copy : undefined };
  } finally {
    if (!keep) await rm(copy, { recursive: true, force: true });
  }
}

/** Copies every file git knows (tracked or new, not ignored) except the dropped ones. */
async function copyWithoutLegacy(copy) {
  const files = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "-z"],
    {
      cwd: WORKSPACE_ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  )
    .split("\0")
    .filter(Boolean);
  const removed = new Set();
  for (const file of files) {
    const dropped = DROPPED.find((prefix) => file.startsWith(prefix));
    if (dropped !== undefined) {
      removed.add(dropped);
      continue;
    }
    const source = path.join(WORKSPACE_ROOT, file);
    if (file.startsWith(".changeset/") && file.endsWith(".md")) {
      const text = await readFile(source, "utf8").catch(() => undefined);
      if (text !== undefined && onlyReleases(text, LEGACY_PACKAGE)) {
        removed.add(file);
        continue;
      }
    }
    const target = path.join(copy, file);
    await mkdir(path.dirname(target), { recursive: true });
    await cp(source, target).catch((error) => {
      // A file deleted in the working tree but not yet in git's index.
      if (error.code !== "ENOENT") throw error;
    });
  }
  const manifestPath = path.join(copy, "apps/demo-server/package.json");
  const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
  if (manifest.dependencies?.[LEGACY_PACKAGE] !== undefined) {
    delete manifest.dependencies[LEGACY_PACKAGE];
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    removed.add(`the ${LEGACY_PACKAGE} dependency of apps/demo-server/package.json`);
  }
  return [...removed];
}

/** The changeset's front matter names this package and no other. */
function onlyReleases(text, name) {
  const match = /^---\n([\s\S]*?)\n---/.exec(text);
  if (match === null) return false;
  const names = [...match[1].matchAll(/^["']?([^"':]+)["']?\s*:/gm)].map((m) => m[1]);
  return names.length > 0 && names.every((n) => n === name);
}

async function testTotals(copy) {
  try {
    const report = JSON.parse(
      await readFile(path.join(copy, ".test-artifacts/vitest-report.json"), "utf8"),
    );
    return {
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      files: report.numTotalTestSuites,
    };
  } catch {
    return undefined;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const keep = process.argv.includes("--keep");
  const result = await dropLegacy({ keep, log: (line) => console.log(line) });
  if (result.totals) {
    console.log(
      `tests without the legacy path: ${result.totals.passed} passed, ${result.totals.failed} failed`,
    );
  }
  if (result.copy) console.log(`kept: ${result.copy}`);
  process.exitCode = result.ok ? 0 : 1;
}
