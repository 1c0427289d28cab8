import { mkdir, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { changesetProblems } from "./changeset-check.mjs";
import { git, scratchWorkspace } from "./scratch-workspace.mjs";

// `npm run changeset:check` on a throwaway copy of the workspace's manifests, one change at
// a time, each a commit on a branch from main (where one changeset is already pending).

const core = "@llm-journey/tracer-core";
const changeset = (bumps: Record<string, string>, summary = "A change.") =>
  `---\n${Object.entries(bumps)
    .map(([name, bump]) => `"${name}": ${bump}`)
    .join("\n")}\n---\n\n${summary}\n`;
const copy = await scratchWorkspace(() => "1.2.0", {
  "old.md": changeset({ "@llm-journey/context-propagation": "patch" }),
});
afterAll(() => rm(copy, { recursive: true, force: true }));

/** The check's verdict on a branch from main that adds `files`. */
async function check(files: Record<string, string>) {
  await git(copy, "switch", "-q", "-C", "change", "main");
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(copy, file)), { recursive: true });
    await writeFile(path.join(copy, file), text);
  }
  await git(copy, "add", "-A");
  await git(copy, "commit", "-qm", "A change");
  return changesetProblems(copy, "main");
}

describe("the changeset check", () => {
  it("passes when each package whose source changed is named by a new changeset", async () => {
    const problems = await check({
      "packages/tracer-core/src/hooks.ts": "export {};\n",
      ".changeset/core.md": changeset({ [core]: "patch" }),
    });
    expect(problems).toEqual([]);
  });

  it("fails when a package's source changed and no new changeset names it, old ones aside", async () => {
    const problems = await check({
      "packages/tracer-core/src/hooks.ts": "export {};\n",
      "packages/context-propagation/src/extract.ts": "export {};\n",
      ".changeset/core.md": changeset({ [core]: "patch" }),
    });
    expect(problems).toEqual([
      "@llm-journey/context-propagation: its source changed since main, but no new changeset names it: run `npm run changeset`",
    ]);
  });

  it("asks nothing for tests, test support, files outside src and the private demo", async () => {
    const problems = await check({
      "packages/tracer-core/src/hooks.test.ts": "export {};\n",
      "packages/tracer-core/src/test-support/fake.ts": "export {};\n",
      "packages/tracer-core/README.md": "# x\n",
      "apps/demo-server/src/main.ts": "export {};\n",
    });
    expect(problems).toEqual([]);
  });

  it("fails on a changeset changesets cannot read, or naming a package not in the workspace", async () => {
    const mangled = await check({ ".changeset/bad.md": '---\n\n## "@x/core": minor\n' });
    expect(mangled).toHaveLength(1);
    expect(mangled[0]).toMatch(/^the changesets cannot be read: could not parse changeset/);
    const unknown = await check({ ".changeset/bad.md": changeset({ "@x/nope": "patch" }) });
    expect(unknown).toEqual([
      "the changesets cannot be read: Found changeset bad for package @x/nope which is not in the workspace",
    ]);
  });

  it("fails on a changeset naming a private package, or without a summary", async () => {
    const problems = await check({
      ".changeset/a.md": changeset({ "@llm-journey/demo-server": "patch" }),
      ".changeset/b.md": changeset({ [core]: "patch" }, ""),
    });
    expect(problems).toEqual([
      "a names @llm-journey/demo-server, which is private and never released",
      "b has no summary: it becomes the changelog entry",
    ]);
  });

  it("fails on a breaking bump that one of its dependents does not follow", async () => {
    const problems = await check({ ".changeset/a.md": changeset({ [core]: "major" }) });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(
      /^@llm-journey\/tracer-core gets a breaking major .* to a changeset\.$/,
    );
  });
});
