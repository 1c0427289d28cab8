#!/usr/bin/env node
import { mkdtemp, rm, stat } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { changesetPackages, evaluateChangesets, readPendingChangesets } from "./changesets.mjs";
import { manifestProblems } from "./package-rules.mjs";
import { lastLines, run, runVisible } from "./process.mjs";
import { breakingDependencyProblems, readReleasePlan } from "./release-plan.mjs";
import {
  listPublishablePackages,
  packPackage,
  readWorkspacePackages,
  WORKSPACE_ROOT,
} from "./workspace.mjs";

const root = WORKSPACE_ROOT;
const changesetBin = path.join(root, "node_modules", "@changesets", "cli", "bin.js");

/**
 * Every pending changeset must parse before anything else runs: `changeset version` and
 * the release plan stop at the first malformed one with a less helpful message.
 */
async function pendingChangesetProblems() {
  const [changesets, packages] = await Promise.all([
    readPendingChangesets(root),
    changesetPackages(root),
  ]);
  return evaluateChangesets({ changedFiles: [], packages, changesets }).problems;
}

/** @param {number} bytes */
function size(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

/** @param {string} label @param {string} command @param {string[]} args */
async function gate(label, command, args) {
  console.log(`\n── ${label}: ${[path.basename(command), ...args].join(" ")}`);
  const code = await runVisible(command, args, { cwd: root });
  if (code !== 0) throw new Error(`${label} failed (exit ${code}): nothing was published`);
}

/** The whole gate: every test and every check, or no release. */
async function runGate() {
  await gate("the daily suite", "npm", ["test"]);
  await gate("the release gates", "npm", ["run", "test:release"]);
}

/** @param {string[]} args */
async function dryRun(args) {
  console.log("Release dry run: nothing is changed, nothing is published.\n");
  if (!args.includes("--no-build")) {
    const turbo = path.join(root, "node_modules", ".bin", "turbo");
    const built = await run(turbo, ["run", "build", "--output-logs=errors-only"], {
      cwd: root,
      // turbo runs each build with pnpm, which it looks for on the PATH, as npm scripts have it.
      env: {
        ...process.env,
        PATH: `${path.dirname(turbo)}${path.delimiter}${process.env.PATH ?? ""}`,
        TURBO_TELEMETRY_DISABLED: "1",
      },
    });
    if (built.code !== 0) {
      throw new Error(`the build failed:\n${lastLines(`${built.stdout}\n${built.stderr}`)}`);
    }
  }

  const problems = await pendingChangesetProblems();
  if (problems.length) {
    for (const problem of problems) console.log(`  ✗ ${problem}`);
    throw new Error("fix the changesets above: `npm run version-packages` would stop on them");
  }

  const scratch = await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-dry-run-"));
  let failed = false;
  try {
    const workspace = await readWorkspacePackages(root);
    const planned = (await readReleasePlan(root)).releases;
    console.log("1. `npm run version-packages` would bump:");
    if (planned.length === 0) {
      console.log("   nothing: no pending changesets (already versioned, or nothing to release)");
    }
    for (const release of planned) {
      console.log(
        `   ${release.name.padEnd(36)} ${release.oldVersion} → ${release.newVersion}  ${release.type.padEnd(5)}  ${release.changesets.length ? release.changesets.join(", ") : "(an internal dependency changed)"}`,
      );
    }
    for (const problem of breakingDependencyProblems(planned, workspace)) {
      failed = true;
      console.log(`   ✗ ${problem}`);
    }
    const privates = [...workspace.values()]
      .filter(({ manifest }) => manifest.private === true)
      .map(({ manifest }) => manifest.name);
    if (privates.length) {
      console.log(`   Private, never versioned or published: ${privates.join(", ")}`);
    }

    console.log("\n2. The tarballs `npm run release` would publish (packed now):");
    for (const dir of await listPublishablePackages(root)) {
      const tarball = await packPackage(dir, scratch, root);
      const listed = await run("tar", ["-tzf", tarball]);
      const files = listed.stdout.split("\n").filter(Boolean).length;
      const manifest = JSON.parse(
        (await run("tar", ["-xzOf", tarball, "package/package.json"])).stdout,
      );
      const next = planned.find((release) => release.name === manifest.name);
      const after = next ? `, ${next.newVersion} after version-packages` : ", as versioned";
      console.log(
        `   ${path.basename(tarball).padEnd(44)} ${size((await stat(tarball)).size).padStart(9)}, ${files} files${after}`,
      );
      for (const problem of manifestProblems(manifest, workspace)) {
        failed = true;
        console.log(`     ✗ ${problem}`);
      }
    }
    console.log(
      "\n   `release` publishes those whose version is not on npm yet (changeset publish asks the registry then).",
    );

    if (args.includes("--with-checks")) {
      await runGate();
      console.log("\n3. The gate passed: `npm run release` would go on to publish.");
    } else {
      console.log(
        "\n3. Before publishing, `npm run release` runs `npm test` and `npm run test:release`\n   and publishes nothing unless both pass (run them here with --with-checks).",
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (failed) throw new Error("the release would be refused (see ✗ above)");
}

async function release() {
  const status = await run("git", ["status", "--porcelain"], { cwd: root, env: process.env });
  if (status.stdout.trim() !== "") {
    throw new Error("the working tree has uncommitted changes: release from a clean checkout");
  }
  const branch = await run("git", ["rev-parse", "--abbrev-ref", "HEAD"], {
    cwd: root,
    env: process.env,
  });
  if (branch.stdout.trim() !== "main") {
    throw new Error(`on "${branch.stdout.trim()}": release from main only`);
  }
  const problems = await pendingChangesetProblems();
  if (problems.length) throw new Error(`invalid changesets:\n  ${problems.join("\n  ")}`);
  const planned = (await readReleasePlan(root)).releases;
  if (planned.length) {
    throw new Error(
      `${planned.length} package(s) have unversioned changesets: run \`npm run version-packages\`, review, commit and merge first`,
    );
  }

  await runGate();
  console.log("\n── every test and check passed: publishing");
  const code = await runVisible(process.execPath, [changesetBin, "publish"], { cwd: root });
  if (code !== 0) throw new Error(`changeset publish failed (exit ${code})`);
  console.log("\nPublished. Push the new tags: git push --follow-tags");
}

async function main() {
  const args = process.argv.slice(2);
  try {
    if (args.includes("--dry-run")) await dryRun(args);
    else await release();
  } catch (error) {
    console.error(`\nrelease: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
