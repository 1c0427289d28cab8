import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "./process.mjs";
import { readWorkspacePackages, WORKSPACE_ROOT } from "./workspace.mjs";

// A throwaway git repository with the workspace's manifests and changeset config, at chosen
// versions and with chosen changesets: what `changeset version` and the release plan read.

/**
 * @param {(name: string) => string} versionOf the version of each publishable package
 *   (private ones keep theirs)
 * @param {Record<string, string>} changesets file name → content, written to .changeset/
 * @returns {Promise<string>} the repository's directory, committed on the branch main
 */
export async function scratchWorkspace(versionOf, changesets) {
  const copy = await mkdtemp(path.join(os.tmpdir(), "llm-journey-scratch-workspace-"));
  for (const file of ["package.json", "pnpm-workspace.yaml", ".changeset/config.json"]) {
    await cp(path.join(WORKSPACE_ROOT, file), path.join(copy, file));
  }
  for (const { dir, manifest } of (await readWorkspacePackages()).values()) {
    const target = path.join(copy, path.relative(WORKSPACE_ROOT, dir));
    await mkdir(target, { recursive: true });
    const version = manifest.private === true ? manifest.version : versionOf(manifest.name);
    await writeFile(
      path.join(target, "package.json"),
      `${JSON.stringify({ ...manifest, version }, null, 2)}\n`,
    );
  }
  for (const [name, content] of Object.entries(changesets)) {
    await writeFile(path.join(copy, ".changeset", name), content);
  }
  // The changelog generator looks each changeset's commit up in git.
  await git(copy, "init", "-q", "-b", "main");
  await git(copy, "config", "user.email", "ci@example.invalid");
  await git(copy, "config", "user.name", "ci");
  await git(copy, "add", "-A");
  await git(copy, "commit", "-qm", "Before the release");
  return copy;
}

/** @param {string} cwd @param {string[]} args */
export const git = (cwd, ...args) => run("git", args, { cwd });
