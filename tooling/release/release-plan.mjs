// The release plan (what `npm run version-packages` would bump, from the pending
// changesets) and the two rules changesets has no setting for: a breaking bump of a
// package is a breaking bump of every package that depends on it, and a package's first
// changelog reads as a first release.

import getReleasePlan from "@changesets/get-release-plan";
import { DEPENDENCY_FIELDS } from "./workspace.mjs";

/** The version of a package that has never been released. */
export const UNRELEASED = "0.0.0";

/**
 * @typedef {{ name: string, type: string, oldVersion: string, newVersion: string,
 *   changesets: string[] }} PlannedRelease
 * @typedef {{ id: string, summary: string, releases: { name: string, type: string }[] }}
 *   PendingChangeset
 * @typedef {{ changesets: PendingChangeset[], releases: PlannedRelease[] }} ReleasePlan
 */

/**
 * What `changeset version` would do with the pending changesets, as changesets computes it
 * (its config, internal dependents included). Unlike `changeset status`, it does not
 * compare the branch with main, so it works at every point of the release flow: with a
 * version bump uncommitted, on a committed version branch, on main after the merge.
 * @param {string} root
 * @returns {Promise<ReleasePlan>}
 */
export async function readReleasePlan(root) {
  const plan = await getReleasePlan(root);
  return {
    changesets: plan.changesets.map(({ id, summary, releases }) => ({ id, summary, releases })),
    releases: plan.releases
      .filter((release) => release.type !== "none")
      .map(({ name, type, oldVersion, newVersion, changesets }) => ({
        name,
        type,
        oldVersion,
        newVersion,
        changesets,
      })),
  };
}

/**
 * Whether a bump breaks users of a version: a major always; at 0.x a minor too, since a
 * caret range such as ^0.1.0 never crosses a minor (docs/releasing.md's 0.x policy).
 * @param {string} type
 * @param {string} version the version it starts from
 */
export function isBreaking(type, version) {
  return type === "major" || (type === "minor" && version.startsWith("0."));
}

/**
 * Every planned breaking bump whose dependents do not get a breaking bump of their own: a
 * user of a dependent's current range would receive the breaking dependency without asking.
 * @param {PlannedRelease[]} releases
 * @param {Map<string, { manifest: any }>} workspace
 * @returns {string[]}
 */
export function breakingDependencyProblems(releases, workspace) {
  const byName = new Map(releases.map((release) => [release.name, release]));
  const problems = [];
  for (const release of releases) {
    if (!isBreaking(release.type, release.oldVersion)) continue;
    for (const { manifest } of workspace.values()) {
      if (manifest.private === true || manifest.name === release.name) continue;
      const dependsOnIt = DEPENDENCY_FIELDS.some((field) => manifest[field]?.[release.name]);
      if (!dependsOnIt) continue;
      const own = byName.get(manifest.name);
      if (own && isBreaking(own.type, own.oldVersion)) continue;
      const gets = own
        ? `only a ${own.type} (${own.oldVersion} → ${own.newVersion})`
        : "no release";
      const breaking = String(manifest.version).startsWith("0.") ? "minor" : "major";
      problems.push(
        `${release.name} gets a breaking ${release.type} (${release.oldVersion} → ${release.newVersion}), but its dependent ${manifest.name} gets ${gets}: users of ${manifest.name} ^${manifest.version} would receive the breaking ${release.name} without asking. Add "${manifest.name}": ${breaking} to a changeset.`,
      );
    }
  }
  return problems;
}

/**
 * A package's first changelog: one entry for the first version, made of what the package
 * brings, its minor and major changesets (a summary that starts with "First release" comes
 * first). Its patch changesets, fixes to code nobody has installed, and "Updated
 * dependencies" lines, for internal dependencies released for the first time alongside
 * it, are left out.
 * @param {string} name
 * @param {string} version
 * @param {PendingChangeset[]} changesets
 */
export function firstReleaseChangelog(name, version, changesets) {
  const summaries = changesets
    .filter((changeset) =>
      changeset.releases.some(
        (release) =>
          release.name === name && (release.type === "minor" || release.type === "major"),
      ),
    )
    .map((changeset) => changeset.summary.trim())
    .sort((a, b) => Number(!/^first release\b/i.test(a)) - Number(!/^first release\b/i.test(b)));
  const entries = (summaries.length ? summaries : ["First release."]).map(
    (summary) => `- ${summary.split("\n").join("\n  ")}`,
  );
  return `# ${name}\n\n## ${version}\n\n${entries.join("\n")}\n`;
}
