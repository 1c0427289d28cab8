import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  breakingDependencyProblems,
  firstReleaseChangelog,
  isBreaking,
  type PlannedRelease,
  readReleasePlan,
  UNRELEASED,
} from "./release-plan.mjs";
import { git, scratchWorkspace } from "./scratch-workspace.mjs";
import { CHANGESET, versionPackages } from "./version.mjs";
import { readWorkspacePackages, WORKSPACE_ROOT } from "./workspace.mjs";

// `npm run version-packages` and the release plan on throwaway copies of the workspace's
// manifests: the first release, what the changeset config makes of a later patch, a breaking
// bump of a dependency, and the dry run's plan at each point of the release flow.

const workspace = await readWorkspacePackages();
const publishable = [...workspace.values()].filter(({ manifest }) => manifest.private !== true);
const core = "@llm-journey/tracer-core";
const bottom = "@llm-journey/context-propagation";
const scratches: string[] = [];
const scratch = async (versionOf: (name: string) => string, changesets: Record<string, string>) => {
  const dir = await scratchWorkspace(versionOf, changesets);
  scratches.push(dir);
  return dir;
};
const inScratch = (copy: string, name: string) =>
  path.join(copy, path.relative(WORKSPACE_ROOT, String(workspace.get(name)?.dir)));
const manifestIn = async (copy: string, name: string) =>
  JSON.parse(await readFile(path.join(inScratch(copy, name), "package.json"), "utf8"));
const versionIn = async (copy: string, name: string) => (await manifestIn(copy, name)).version;
/** The publishable packages that declare `name` as a dependency. */
const dependentsOf = (name: string) =>
  publishable
    .filter(({ manifest }) =>
      Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).includes(name),
    )
    .map(({ manifest }) => String(manifest.name))
    .sort();
/** Those that depend on `name` directly or through another one. */
const allDependentsOf = (name: string): string[] => [
  ...new Set(dependentsOf(name).flatMap((dependent) => [dependent, ...allDependentsOf(dependent)])),
];
const changeset = (bumps: Record<string, string>, summary: string) =>
  `---\n${Object.entries(bumps)
    .map(([name, bump]) => `"${name}": ${bump}`)
    .join("\n")}\n---\n\n${summary}\n`;

afterAll(async () => {
  await Promise.all(scratches.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("the first release, with the repository's pending changesets", async () => {
  const dir = path.join(WORKSPACE_ROOT, ".changeset");
  const pending: Record<string, string> = {};
  for (const name of (await readdir(dir)).filter((file) => file.endsWith(".md"))) {
    // Only the lines for this workspace's packages (a copy may have dropped one).
    pending[name] = (await readFile(path.join(dir, name), "utf8"))
      .split("\n")
      .filter((line) => !/^"@llm-journey\//.test(line) || workspace.has(line.split('"')[1] ?? ""))
      .join("\n");
  }
  const copy = await scratch(() => UNRELEASED, pending);
  const { changesets: parsed } = await readReleasePlan(copy);
  const problems = await versionPackages(copy);

  it("versions every publishable package, refusing nothing", () => {
    expect(problems).toEqual([]);
  });

  it.each(publishable.map(({ manifest }) => [manifest.name]))(
    "%s: one entry, what it brings, no internal patch changes or dependency updates",
    async (name) => {
      const version = await versionIn(copy, name);
      expect(version).not.toBe(UNRELEASED);
      const changelog = await readFile(path.join(inScratch(copy, name), "CHANGELOG.md"), "utf8");
      expect(changelog.match(/^## .*$/gm)).toEqual([`## ${version}`]);
      expect(changelog).not.toMatch(/Patch Changes|Minor Changes|Updated dependencies/);
      expect(changelog).not.toMatch(/^- [0-9a-f]{7}: /m);
      expect(changelog.split("\n")[4]).toMatch(/^- First release/);
      for (const { releases, summary } of parsed) {
        const own = releases.find((release) => release.name === name)?.type;
        const entry = summary.split("\n").join("\n  ");
        if (own === "minor" || own === "major") expect(changelog).toContain(entry);
        else if (own === "patch" && !releases.some((r) => r.type !== "patch")) {
          expect(changelog).not.toContain(entry);
        }
      }
    },
  );
});

describe("changeset version after a first release, with one patch for the bottom layer", async () => {
  // Every package at 1.2.3, where a patch stays inside the dependents' ranges: only the
  // changeset config (updateInternalDependents: always) makes them follow.
  const fix = changeset({ [bottom]: "patch" }, "A fix in the bottom layer only.");
  const copy = await scratch(() => "1.2.3", { "one-fix.md": fix });
  execFileSync(process.execPath, [CHANGESET, "version"], { cwd: copy });
  const changelogOf = (name: string) =>
    readFile(path.join(inScratch(copy, name), "CHANGELOG.md"), "utf8");

  it("bumps it and every dependent, at any depth, with an 'Updated dependencies' entry", async () => {
    expect(await versionIn(copy, bottom)).toBe("1.2.4");
    expect(await changelogOf(bottom)).toContain("A fix in the bottom layer only.");
    expect(allDependentsOf(bottom).length).toBeGreaterThan(0);
    for (const name of allDependentsOf(bottom)) {
      expect(await versionIn(copy, name), name).toBe("1.2.4");
      expect(await changelogOf(name), name).toContain("Updated dependencies");
      // The sources keep the workspace protocol; packing writes the real range.
      const { dependencies } = await manifestIn(copy, name);
      if (dependencies?.[bottom]) expect(dependencies[bottom], name).toBe("workspace:^");
    }
  });

  it("leaves the private demo server alone and consumes the changeset", async () => {
    for (const { dir, manifest } of workspace.values()) {
      if (manifest.private !== true) continue;
      expect(await versionIn(copy, manifest.name), manifest.name).toBe(manifest.version);
      expect(existsSync(path.join(copy, path.relative(WORKSPACE_ROOT, dir), "CHANGELOG.md"))).toBe(
        false,
      );
    }
    expect(existsSync(path.join(copy, ".changeset", "one-fix.md"))).toBe(false);
  });
});

describe("a breaking bump of a dependency under the 0.x policy", () => {
  it("tells which bumps break users: a major, and a minor before 1.0", () => {
    expect([
      isBreaking("minor", "0.2.0"),
      isBreaking("patch", "0.2.0"),
      isBreaking("minor", "1.2.0"),
      isBreaking("major", "1.2.0"),
    ]).toEqual([true, false, false, true]);
  });

  it("is refused when a dependent gets only a patch, changing nothing, and goes through once every dependent is bumped too", async () => {
    const minorCore = changeset({ [core]: "minor" }, "A breaking change in the core.");
    const copy = await scratch(() => "0.2.0", { "core-minor.md": minorCore });
    const refused = await versionPackages(copy);
    expect(dependentsOf(core).length).toBeGreaterThan(0);
    expect(refused).toEqual(
      dependentsOf(core).map(
        (dependent) =>
          `${core} gets a breaking minor (0.2.0 → 0.3.0), but its dependent ${dependent} gets only a patch (0.2.0 → 0.2.1): users of ${dependent} ^0.2.0 would receive the breaking ${core} without asking. Add "${dependent}": minor to a changeset.`,
      ),
    );
    expect(await versionIn(copy, core)).toBe("0.2.0");
    expect(existsSync(path.join(copy, ".changeset", "core-minor.md"))).toBe(true);

    await writeFile(
      path.join(copy, ".changeset", "dependents-minor.md"),
      changeset(
        Object.fromEntries(dependentsOf(core).map((name) => [name, "minor"])),
        "Follows the breaking core.",
      ),
    );
    await git(copy, "add", "-A");
    await git(copy, "commit", "-qm", "The dependents follow");
    expect(await versionPackages(copy)).toEqual([]);
    for (const name of [core, ...dependentsOf(core)]) {
      expect(await versionIn(copy, name), name).toBe("0.3.0");
    }
  });

  it("reaches the dependents of dependents, and after 1.0 only a major is breaking", () => {
    const release = (name: string, type: string, from: string, to: string): PlannedRelease => ({
      name,
      type,
      oldVersion: from,
      newVersion: to,
      changesets: [],
    });
    const at = (version: string) =>
      new Map(
        [...workspace].map(([name, entry]) => [name, { manifest: { ...entry.manifest, version } }]),
      );
    const problems = breakingDependencyProblems(
      [
        release(bottom, "minor", "0.4.0", "0.5.0"),
        release(core, "minor", "0.4.0", "0.5.0"),
        release("@llm-journey/tracer-api", "patch", "0.4.0", "0.4.1"),
      ],
      at("0.4.0"),
    );
    // tracer-core's minor counts for its own dependents: only the others lack one.
    expect(problems.map((problem) => problem.match(/dependent (\S+) gets/)?.[1]).sort()).toEqual(
      [...dependentsOf(bottom), ...dependentsOf(core)].filter((name) => name !== core).sort(),
    );
    const afterOne = [release(core, "minor", "1.4.0", "1.5.0")];
    expect(breakingDependencyProblems(afterOne, at("1.4.0"))).toEqual([]);
    const major = [release(core, "major", "1.4.0", "2.0.0")];
    expect(breakingDependencyProblems(major, at("1.4.0")).join("\n")).toContain(
      'Add "@llm-journey/tracer-api": major to a changeset.',
    );
  });
});

describe("the dry run's release plan at each point of the release flow", () => {
  it("reads the plan before versioning, with the bump uncommitted, and on the committed version branch", async () => {
    const fix = changeset({ [bottom]: "patch" }, "A fix in the bottom layer.");
    const copy = await scratch(() => "0.2.0", { "bottom-fix.md": fix });
    const before = await readReleasePlan(copy);
    expect(before.releases.map(({ name, newVersion }) => `${name}@${newVersion}`).sort()).toEqual(
      publishable.map(({ manifest }) => `${manifest.name}@0.2.1`).sort(),
    );

    await git(copy, "switch", "-q", "-c", "changeset-release/main");
    expect(await versionPackages(copy)).toEqual([]);
    expect(await readReleasePlan(copy)).toEqual({ changesets: [], releases: [] });
    await git(copy, "add", "-A");
    await git(copy, "commit", "-qm", "Version Packages");
    expect(await readReleasePlan(copy)).toEqual({ changesets: [], releases: [] });
    expect(breakingDependencyProblems([], workspace)).toEqual([]);
  });
});

describe("a first changelog on its own", () => {
  it("leads with the first-release summary and indents multi-line summaries", () => {
    const changesets = [
      {
        id: "a",
        summary: "A feature.\nOn two lines.",
        releases: [{ name: "@x/a", type: "minor" }],
      },
      { id: "b", summary: "A fix.", releases: [{ name: "@x/a", type: "patch" }] },
      {
        id: "c",
        summary: "First release: everything.",
        releases: [{ name: "@x/a", type: "minor" }],
      },
      { id: "d", summary: "Another package.", releases: [{ name: "@x/b", type: "minor" }] },
    ];
    expect(firstReleaseChangelog("@x/a", "0.1.0", changesets)).toBe(
      "# @x/a\n\n## 0.1.0\n\n- First release: everything.\n- A feature.\n  On two lines.\n",
    );
    expect(firstReleaseChangelog("@x/c", "0.0.1", changesets)).toBe(
      "# @x/c\n\n## 0.0.1\n\n- First release.\n",
    );
  });
});
