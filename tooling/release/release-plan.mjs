// The release plan, as changesets computes it from the pending changesets, and the rules
// changesets has no setting for: a changeset names only released packages and has a
// summary, a breaking bump of a package is a breaking bump of every package that depends on
// it, and a package's first changelog reads as a first release.

import getReleasePlan from "@changesets/get-release-plan";
import { DEPENDENCY_FIELDS } from "./workspace.mjs";

/** The version of a package that has never been released. */
export const UNRELEASED = "0.0.0";

/**
 * @typedef {Awaited<ReturnType<typeof getReleasePlan>>} ReleasePlan
 * @typedef {{ name: string, type: string, oldVersion: string, newVersion: string,
 *   changesets: string[] }} PlannedRelease
 * @typedef {Map<string, { manifest: any }>} Workspace
 */

/**
 * What `changeset version` would do with the pending changesets (those added since `since`
 * when given). Unlike `changeset status`, it does not compare the branch with main, so it
 * works at every point of the release flow. Throws changesets' own error on a malformed
 * changeset or one naming a package that is not in the workspace.
 * @param {string} root
 * @param {string} [since]
 * @returns {Promise<ReleasePlan>}
 */
export async function readReleasePlan(root, since) {
  const plan = await getReleasePlan(root, since);
  return { ...plan, releases: plan.releases.filter((release) => release.type !== "none") };
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
 * Everything changesets accepts that would still make a poor or unsafe release.
 * @param {ReleasePlan} plan
 * @param {Workspace} workspace
 */
export function planProblems(plan, workspace) {
  const problems = plan.changesets.flatMap(({ id, summary, releases }) => [
    ...releases
      .filter((release) => workspace.get(release.name)?.manifest.private === true)
      .map((release) => `${id} names ${release.name}, which is private and never released`),
    ...(summary.trim() ? [] : [`${id} has no summary: it becomes the changelog entry`]),
  ]);
  return [...problems, ...breakingDependencyProblems(plan.releases, workspace)];
}

/**
 * Every planned breaking bump whose dependents do not get a breaking bump of their own: a
 * user of a dependent's current range would receive the breaking dependency without asking.
 * @param {PlannedRelease[]} releases
 * @param {Workspace} workspace
 * @returns {string[]}
 */
export function breakingDependencyProblems(releases, workspace) {
  const byName = new Map(releases.map((release) => [release.name, release]));
  const problems = [];
  for (const release of releases) {
    if (!isBreaking(release.type, release.oldVersion)) continue;
    for (const { manifest } of workspace.values()) {
      if (manifest.private === true || manifest.name === release.name) continue;
      if (!DEPENDENCY_FIELDS.some((field) => manifest[field]?.[release.name])) continue;
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
 * @param {{ summary: string, releases: { name: string, type: string }[] }[]} changesets
 */
export function firstReleaseChangelog(name, version, changesets) {
  const summaries = changesets
    .filter(({ releases }) =>
      releases.some((release) => release.name === name && /^(minor|major)$/.test(release.type)),
    )
    .map((changeset) => changeset.summary.trim())
    .sort((a, b) => Number(!/^first release\b/i.test(a)) - Number(!/^first release\b/i.test(b)));
  const entries = (summaries.length ? summaries : ["First release."]).map(
    (summary) => `- ${summary.split("\n").join("\n  ")}`,
  );
  return `# ${name}\n\n## ${version}\n\n${entries.join("\n")}\n`;
}
