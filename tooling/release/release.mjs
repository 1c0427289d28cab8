#!/usr/bin/env node
// `npm run release`: from a clean main with every changeset versioned, the whole gate
// (`npm test`, `npm run test:release`), then `changeset publish`. With `--dry-run` it changes
// and publishes nothing: it builds, prints the release plan and its problems, packs each
// publishable package and checks its manifest, and runs the gate only with `--with-checks`
// (docs/releasing.md, steps 5 and 6).

import { execFileSync } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { manifestProblems } from "./package-rules.mjs";
import { planProblems, readReleasePlan } from "./release-plan.mjs";
import { CHANGESET } from "./version.mjs";
import {
  listPublishablePackages,
  pack,
  readWorkspacePackages,
  WORKSPACE_ROOT as root,
} from "./workspace.mjs";

/** @param {string} command @param {string[]} args */
const sh = (command, args) =>
  execFileSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
/** @param {string} command @param {string[]} args */
const output = (command, args) => execFileSync(command, args, { cwd: root, encoding: "utf8" });
const gate = () => {
  sh("npm", ["test"]);
  sh("npm", ["run", "test:release"]);
};

async function dryRun(/** @type {string[]} */ args) {
  console.log("Release dry run: nothing is changed, nothing is published.\n");
  sh("npm", ["run", "build", "--", "--output-logs=errors-only"]);
  const workspace = await readWorkspacePackages(root);
  const plan = await readReleasePlan(root);
  const problems = planProblems(plan, workspace);
  console.log("1. `npm run version-packages` would bump:");
  if (!plan.releases.length) console.log("   nothing: no pending changesets");
  for (const { name, oldVersion, newVersion, type, changesets } of plan.releases) {
    const why = changesets.join(", ") || "(an internal dependency changed)";
    console.log(`   ${name.padEnd(36)} ${oldVersion} → ${newVersion}  ${type.padEnd(5)}  ${why}`);
  }
  console.log("\n2. The tarballs `npm run release` would publish (packed now):");
  const scratch = await mkdtemp(path.join(os.tmpdir(), "llm-journey-release-dry-run-"));
  try {
    for (const dir of await listPublishablePackages()) {
      const { filename: tarball, files } = await pack(dir, scratch);
      const manifest = JSON.parse(output("tar", ["-xzOf", tarball, "package/package.json"]));
      const next = plan.releases.find((release) => release.name === manifest.name);
      const kB = ((await stat(tarball)).size / 1024).toFixed(1);
      console.log(
        `   ${path.basename(tarball).padEnd(44)} ${kB.padStart(7)} kB, ${files.length} files, ${next ? `${next.newVersion} after version-packages` : "as versioned"}`,
      );
      problems.push(...manifestProblems(manifest, workspace).map((p) => `${manifest.name}: ${p}`));
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (problems.length)
    throw new Error(`the release would be refused:\n  ✗ ${problems.join("\n  ✗ ")}`);
  if (args.includes("--with-checks")) gate();
  else
    console.log(
      "\n3. `npm run release` runs `npm test` and `npm run test:release` first (--with-checks runs them here).",
    );
}

async function release() {
  if (output("git", ["status", "--porcelain"]).trim())
    throw new Error("the working tree has uncommitted changes");
  const branch = output("git", ["rev-parse", "--abbrev-ref", "HEAD"]).trim();
  if (branch !== "main") throw new Error(`on "${branch}": release from main only`);
  const plan = await readReleasePlan(root);
  const problems = planProblems(plan, await readWorkspacePackages(root));
  if (problems.length) throw new Error(`invalid changesets:\n  ${problems.join("\n  ")}`);
  if (plan.releases.length) {
    throw new Error(
      `${plan.releases.length} package(s) have unversioned changesets: run \`npm run version-packages\`, review, commit and merge first`,
    );
  }
  gate();
  sh(process.execPath, [CHANGESET, "publish"]);
  console.log("\nPublished. Push the new tags: git push --follow-tags");
}

const args = process.argv.slice(2);
try {
  await (args.includes("--dry-run") ? dryRun(args) : release());
} catch (error) {
  console.error(
    `\nrelease: ${error instanceof Error ? error.message : error}: nothing was published`,
  );
  process.exitCode = 1;
}
