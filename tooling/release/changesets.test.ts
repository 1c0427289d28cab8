import { describe, expect, it } from "vitest";
import { evaluateChangesets, parseChangeset } from "./changesets.mjs";

const packages = [
  { name: "@x/propagation", dir: "packages/propagation" },
  { name: "@x/core", dir: "packages/core" },
  { name: "@x/demo", dir: "apps/demo", private: true },
];

const changeset = (file: string, body: string, isNew = true) => ({ file, content: body, isNew });
const coreMinor = '---\n"@x/core": minor\n---\n\nA new hook.\n';

describe("parsing a changeset", () => {
  it("reads the packages, their bumps and the summary", () => {
    const parsed = parseChangeset(
      "---\n\"@x/core\": minor\n'@x/propagation': patch\n---\n\nText.\n",
    );
    expect(parsed).toEqual({
      releases: [
        { name: "@x/core", type: "minor" },
        { name: "@x/propagation", type: "patch" },
      ],
      summary: "Text.",
    });
  });

  it("accepts an empty front matter and the none bump", () => {
    expect(parseChangeset("---\n---\n\nNothing to release.").releases).toEqual([]);
    expect(parseChangeset('---\n"@x/core": none\n---\nx').releases).toEqual([
      { name: "@x/core", type: "none" },
    ]);
  });

  it("rejects front matter that a Markdown formatter turned into a heading", () => {
    const mangled = '---\n\n## "@x/core": minor\n\nFirst release.\n';
    expect(() => parseChangeset(mangled)).toThrow(/line 3: .*Markdown formatter/);
  });

  it("rejects a missing opening or closing line and an unknown bump", () => {
    expect(() => parseChangeset('"@x/core": minor\n---\n')).toThrow(/must start with/);
    expect(() => parseChangeset('---\n"@x/core": minor\n')).toThrow(/never closed/);
    expect(() => parseChangeset('---\n"@x/core": huge\n---\n')).toThrow(/not a bump/);
  });
});

describe("whether changes are covered by changesets", () => {
  it("passes when each changed package is named by a new changeset", () => {
    const verdict = evaluateChangesets({
      changedFiles: ["packages/core/src/hooks.ts", ".changeset/core.md"],
      packages,
      changesets: [changeset(".changeset/core.md", coreMinor)],
    });
    expect(verdict.problems).toEqual([]);
    expect(verdict.changed).toEqual([
      {
        name: "@x/core",
        files: ["packages/core/src/hooks.ts"],
        changesets: [".changeset/core.md"],
      },
    ]);
  });

  it("fails when a package's source changed and no new changeset names it", () => {
    const verdict = evaluateChangesets({
      changedFiles: ["packages/core/src/hooks.ts", "packages/propagation/src/extract.ts"],
      packages,
      changesets: [changeset(".changeset/core.md", coreMinor)],
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual([
      "@x/propagation: 1 source file(s) changed (packages/propagation/src/extract.ts) but no new changeset names it: run `npm run changeset`",
    ]);
  });

  it("does not count a changeset that was already there before the change", () => {
    const verdict = evaluateChangesets({
      changedFiles: ["packages/core/src/hooks.ts"],
      packages,
      changesets: [changeset(".changeset/old.md", coreMinor, false)],
    });
    expect(verdict.ok).toBe(false);
  });

  it("asks nothing for tests, private packages and files outside src", () => {
    const verdict = evaluateChangesets({
      changedFiles: [
        "packages/core/src/hooks.test.ts",
        "packages/core/src/test-support/fake.ts",
        "packages/core/README.md",
        "packages/core/package.json",
        "apps/demo/src/main.ts",
        "docs/reference.md",
      ],
      packages,
      changesets: [],
    });
    expect(verdict).toEqual({ ok: true, problems: [], changed: [] });
  });

  it("fails on any malformed pending changeset, new or not", () => {
    const verdict = evaluateChangesets({
      changedFiles: [],
      packages,
      changesets: [changeset(".changeset/old.md", '---\n\n## "@x/core": minor\n', false)],
    });
    expect(verdict.problems).toHaveLength(1);
    expect(verdict.problems[0]).toMatch(/^\.changeset\/old\.md is not a valid changeset: line 3/);
  });

  it("fails on a changeset naming an unknown or a private package, or without a summary", () => {
    const verdict = evaluateChangesets({
      changedFiles: [],
      packages,
      changesets: [
        changeset(".changeset/a.md", '---\n"@x/nope": patch\n---\nText.'),
        changeset(".changeset/b.md", '---\n"@x/demo": patch\n---\nText.'),
        changeset(".changeset/c.md", '---\n"@x/core": patch\n---\n'),
      ],
    });
    expect(verdict.problems).toEqual([
      ".changeset/a.md names @x/nope, which is not a workspace package",
      ".changeset/b.md names @x/demo, which is private and never released",
      ".changeset/c.md has no summary: it becomes the changelog entry",
    ]);
  });
});
