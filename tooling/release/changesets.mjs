// Reading changesets and deciding whether a set of changes is covered by them: the rules
// are pure functions, tested without git.

import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import * as path from "node:path";
import { readWorkspacePackages } from "./workspace.mjs";

/** "none" records on purpose that a source change needs no release (a refactor, say). */
const BUMPS = new Set(["major", "minor", "patch", "none"]);

/** A file under `src/` that never ships: tests and their support code need no changeset. */
const NOT_SHIPPED = /(^|\/)(__tests__|test-support|fixtures)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

/**
 * @typedef {{ name: string, type: string }} Release
 * @typedef {{ releases: Release[], summary: string }} Changeset
 * @typedef {{ name: string, dir: string, private?: boolean }} PackageInfo
 *   `dir` relative to the repository root, with forward slashes
 * @typedef {{ file: string, content: string, isNew: boolean }} ChangesetFile
 */

/**
 * Parses a changeset the way `changeset version` needs it: a front matter between two `---`
 * lines with one `"package": bump` per line, then the summary. Throws with the reason.
 * @param {string} content
 * @returns {Changeset}
 */
export function parseChangeset(content) {
  const lines = content.replace(/\r\n/g, "\n").split("\n");
  let index = lines.findIndex((line) => line.trim() !== "");
  if (index < 0 || lines[index]?.trim() !== "---") {
    throw new Error('it must start with a "---" line');
  }
  /** @type {Release[]} */
  const releases = [];
  for (index += 1; index < lines.length; index += 1) {
    const line = String(lines[index]).trim();
    if (line === "---") {
      return {
        releases,
        summary: lines
          .slice(index + 1)
          .join("\n")
          .trim(),
      };
    }
    if (line === "") continue;
    const match = line.match(/^(["']?)(@?[^"':\s]+)\1\s*:\s*(\S+)$/);
    if (!match) {
      const hint = line.startsWith("#")
        ? " (a Markdown formatter may have turned the front matter into a heading)"
        : "";
      throw new Error(
        `line ${index + 1}: expected \`"package-name": patch\`, got \`${line}\`${hint}`,
      );
    }
    const [, , name, type] = /** @type {[string, string, string, string]} */ (match);
    if (!BUMPS.has(type)) {
      throw new Error(`line ${index + 1}: "${type}" is not a bump (major, minor, patch or none)`);
    }
    releases.push({ name, type });
  }
  throw new Error('its front matter is never closed by a second "---" line');
}

/**
 * Whether the changes since the base are covered by changesets.
 *
 * Every pending changeset must be valid and name only packages that get published. Every
 * publishable package whose `src/` changed (tests aside) must be named by a changeset that
 * is new since the base.
 *
 * @param {{ changedFiles: string[], packages: PackageInfo[], changesets: ChangesetFile[] }} input
 */
export function evaluateChangesets({ changedFiles, packages, changesets }) {
  /** @type {string[]} */
  const problems = [];
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  /** @type {Map<string, string[]>} package name → the new changesets that name it */
  const namedBy = new Map();
  for (const changeset of changesets) {
    /** @type {Changeset} */
    let parsed;
    try {
      parsed = parseChangeset(changeset.content);
    } catch (error) {
      problems.push(
        `${changeset.file} is not a valid changeset: ${/** @type {Error} */ (error).message}`,
      );
      continue;
    }
    for (const release of parsed.releases) {
      const pkg = byName.get(release.name);
      if (!pkg)
        problems.push(`${changeset.file} names ${release.name}, which is not a workspace package`);
      else if (pkg.private) {
        problems.push(
          `${changeset.file} names ${release.name}, which is private and never released`,
        );
      } else if (changeset.isNew) {
        namedBy.set(release.name, [...(namedBy.get(release.name) ?? []), changeset.file]);
      }
    }
    if (changeset.isNew && parsed.summary === "") {
      problems.push(`${changeset.file} has no summary: it becomes the changelog entry`);
    }
  }

  /** @type {{ name: string, files: string[], changesets: string[] }[]} */
  const changed = [];
  for (const pkg of packages) {
    if (pkg.private) continue;
    const prefix = `${pkg.dir.replace(/\/$/, "")}/src/`;
    const files = changedFiles.filter(
      (file) => file.startsWith(prefix) && !NOT_SHIPPED.test(file.slice(prefix.length)),
    );
    if (files.length === 0) continue;
    const covering = namedBy.get(pkg.name) ?? [];
    changed.push({ name: pkg.name, files, changesets: covering });
    if (covering.length === 0) {
      problems.push(
        `${pkg.name}: ${files.length} source file(s) changed (${files.slice(0, 3).join(", ")}${files.length > 3 ? ", …" : ""}) but no new changeset names it: run \`npm run changeset\``,
      );
    }
  }
  return { ok: problems.length === 0, problems, changed };
}

/**
 * The pending changesets of the workspace at `root`.
 * @param {string} root
 * @param {(file: string) => boolean} [isNew] whether a changeset was added by the change checked
 */
export async function readPendingChangesets(root, isNew = () => false) {
  const dir = path.join(root, ".changeset");
  const names = (existsSync(dir) ? await readdir(dir) : []).filter(
    (name) => name.endsWith(".md") && name !== "README.md",
  );
  return Promise.all(
    names.map(async (name) => {
      const file = `.changeset/${name}`;
      return { file, content: await readFile(path.join(dir, name), "utf8"), isNew: isNew(file) };
    }),
  );
}

/**
 * The workspace packages as `evaluateChangesets` takes them.
 * @param {string} root
 */
export async function changesetPackages(root) {
  return [...(await readWorkspacePackages(root)).values()].map(({ dir, manifest }) => ({
    name: manifest.name,
    dir: path.relative(root, dir).split(path.sep).join("/"),
    private: manifest.private === true,
  }));
}
