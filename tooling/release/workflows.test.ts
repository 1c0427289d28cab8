import { readdir, readFile } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { npmScriptsCalled, workflowProblems } from "./workflow-rules.mjs";
import { WORKSPACE_ROOT } from "./workspace.mjs";

// The CI and release workflows, checked before GitHub ever runs them: GitHub's schema, the
// npm scripts they call, what they promise (Node lines, permissions, secrets) and the
// releasing docs that describe them.

const here = path.dirname(fileURLToPath(import.meta.url));
const workflowDir = path.join(WORKSPACE_ROOT, ".github", "workflows");
const { scripts } = JSON.parse(await readFile(path.join(WORKSPACE_ROOT, "package.json"), "utf8"));
const files = (await readdir(workflowDir)).filter((name) => /\.ya?ml$/.test(name)).sort();
const texts = new Map(
  await Promise.all(
    files.map(
      async (name) => [name, await readFile(path.join(workflowDir, name), "utf8")] as const,
    ),
  ),
);
// biome-ignore lint/suspicious/noExplicitAny: a workflow is whatever YAML the file holds
const workflow = (name: string): any => parse(String(texts.get(name)));
/** A GitHub Actions expression as written in a workflow: `${{ … }}`. */
const expression = (inner: string) => `\${{ ${inner} }}`;
const releasing = await readFile(path.join(WORKSPACE_ROOT, "docs", "releasing.md"), "utf8");

describe("the workflows in .github/workflows", () => {
  it("are the CI and the release workflow", () => {
    expect(files).toEqual(["ci.yml", "release.yml"]);
  });

  it.each(files)("%s is valid for GitHub and calls only npm scripts that exist", async (name) => {
    expect(await workflowProblems(name, String(texts.get(name)), scripts)).toEqual([]);
  });

  it("ci.yml runs npm test on Node 20 and 22, the release gates as a job of their own, and the changeset check on pull requests", () => {
    const ci = workflow("ci.yml");
    expect(Object.keys(ci.on)).toEqual(["pull_request", "push"]);
    expect(ci.on.push.branches).toEqual(["main"]);
    expect(ci.permissions).toEqual({ contents: "read" });
    expect(ci.jobs.test.strategy.matrix.node).toEqual([20, 22]);
    const runs = (job: { steps: { run?: string }[] }) => job.steps.map((step) => step.run);
    expect(runs(ci.jobs.test)).toContain("npm test");
    expect(runs(ci.jobs["release-gates"])).toContain("npm run test:release");
    const check = ci.jobs.changesets;
    expect(check.if).toBe("github.event_name == 'pull_request'");
    const step = check.steps.find((s: { run?: string }) => s.run?.includes("changeset:check"));
    expect(step.run).toBe('npm run changeset:check -- --base "origin/$BASE_REF"');
    expect(step.env).toEqual({ BASE_REF: expression("github.base_ref") });
  });

  it("release.yml versions and publishes with the changesets action, one run at a time, least privilege", () => {
    const release = workflow("release.yml");
    expect(release.on).toEqual({ push: { branches: ["main"] } });
    expect(release.permissions).toEqual({});
    expect(release.concurrency).toEqual({ group: "release", "cancel-in-progress": false });
    const jobs = Object.values(release.jobs) as {
      permissions: unknown;
      steps: { uses?: string; with?: Record<string, string>; env?: Record<string, unknown> }[];
    }[];
    expect(jobs).toHaveLength(1);
    const [job] = jobs;
    expect(job?.permissions).toEqual({
      contents: "write",
      "pull-requests": "write",
      "id-token": "write",
    });
    const action = job?.steps.find((step) => step.uses?.startsWith("changesets/action@"));
    expect(action?.uses).toBe("changesets/action@v1");
    expect(action?.with).toMatchObject({
      version: "npm run version-packages",
      publish: "npm run release",
    });
    expect(action?.env).toEqual({
      GITHUB_TOKEN: expression("secrets.GITHUB_TOKEN"),
      NPM_TOKEN: expression("secrets.NPM_TOKEN"),
      NPM_CONFIG_PROVENANCE: true,
    });
  });

  it("take the npm token from the repository's secrets only", () => {
    for (const [name, text] of texts) {
      for (const line of text.split("\n").filter((l) => /NPM_TOKEN|NODE_AUTH_TOKEN/.test(l))) {
        expect(line.trim(), name).toBe(`NPM_TOKEN: ${expression("secrets.NPM_TOKEN")}`);
      }
    }
  });

  it("are described step by step in docs/releasing.md", () => {
    const undescribed: string[] = [];
    for (const name of files) {
      if (!releasing.includes(`.github/workflows/${name}`)) undescribed.push(name);
      for (const job of Object.values(workflow(name).jobs) as {
        steps: { uses?: string; run?: string; with?: Record<string, unknown> }[];
      }[]) {
        for (const step of job.steps) {
          const commands = [step.uses, step.run, step.with?.version, step.with?.publish];
          for (const command of commands.filter((c): c is string => typeof c === "string")) {
            if (!releasing.includes(`\`${command}\``)) undescribed.push(`${name}: ${command}`);
          }
        }
      }
    }
    expect(undescribed).toEqual([]);
  });
});

describe("a broken workflow fails the check, which names the problem", () => {
  const fixture = async (name: string) => {
    const text = await readFile(path.join(here, "fixtures", "workflows", name), "utf8");
    return workflowProblems(name, text, scripts);
  };

  it("an unknown key, reported with its line by GitHub's schema", async () => {
    expect(await fixture("unknown-key.yml")).toEqual([
      "unknown-key.yml (Line: 9, Col: 9): Unexpected value 'timeout'",
    ]);
  });

  it("a call of an npm script that package.json does not define", async () => {
    expect(await fixture("missing-script.yml")).toEqual([
      'missing-script.yml calls the npm script "publish-everything", which package.json does not define',
    ]);
  });
});

describe("finding the npm scripts a workflow calls", () => {
  it("reads run and run-script with flags, lifecycle shorthands, and stops at shell syntax", () => {
    const text = [
      "run: npm run changeset:check -- --base origin/main",
      "run: npm run --silent setup && npm test",
      "publish: npm run-script release",
      'run: "npm run lint;npm start"',
      "run: npm install && npm ci && npm view x",
    ].join("\n");
    expect(npmScriptsCalled(text).sort()).toEqual(
      ["changeset:check", "lint", "release", "setup", "start", "test"].sort(),
    );
  });
});
