import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scratchWorkspace } from "./scratch-workspace.mjs";
import { readWorkspacePackages, WORKSPACE_ROOT } from "./workspace.mjs";

// `npm run version-packages` on a copy of the workspace's manifests and changeset config,
// with one changeset for the bottom layer: what it bumps is what the config promises. The
// copy is put after a first release (every package at 1.2.3), where a patch stays inside
// the dependents' ranges: only the config makes them follow.

const run = promisify(execFile);
const changesetBin = path.join(WORKSPACE_ROOT, "node_modules", "@changesets", "cli", "bin.js");
const workspace = await readWorkspacePackages();
const publishable = [...workspace.values()].filter(({ manifest }) => manifest.private !== true);
const privates = [...workspace.values()].filter(({ manifest }) => manifest.private === true);
const bottom = "@llm-journey/context-propagation";
const RELEASED = "1.2.3";

/** Workspace packages that depend on `name`, directly or through another one. */
function dependentsOf(name: string): Set<string> {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const { manifest } of publishable) {
      const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
      if (found.has(manifest.name)) continue;
      if (deps.some((dep) => dep === name || found.has(dep))) {
        found.add(manifest.name);
        grew = true;
      }
    }
  }
  return found;
}

let copy = "";
const relative = (dir: string) => path.relative(WORKSPACE_ROOT, dir);
const readManifest = async (dir: string) =>
  JSON.parse(await readFile(path.join(copy, relative(dir), "package.json"), "utf8"));

beforeAll(async () => {
  copy = await scratchWorkspace(() => RELEASED, {
    "one-fix.md": `---\n"${bottom}": patch\n---\n\nA fix in the bottom layer only.\n`,
  });
  await run(process.execPath, [changesetBin, "version"], { cwd: copy });
}, 60_000);

afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

describe("version-packages with a changeset for one package", () => {
  it("bumps that package by its changeset and writes its changelog", async () => {
    const entry = workspace.get(bottom);
    expect(entry).toBeDefined();
    const dir = (entry as { dir: string }).dir;
    const after = (await readManifest(dir)).version;
    expect(after).toBe("1.2.4");
    const changelog = await readFile(path.join(copy, relative(dir), "CHANGELOG.md"), "utf8");
    expect(changelog).toContain(`## ${after}`);
    expect(changelog).toContain("A fix in the bottom layer only.");
  });

  it("bumps every internal dependent with a patch and an 'Updated dependencies' entry", async () => {
    const dependents = dependentsOf(bottom);
    expect(dependents.size).toBeGreaterThan(0);
    for (const { dir, manifest } of publishable) {
      if (!dependents.has(manifest.name)) continue;
      const updated = await readManifest(dir);
      expect(updated.version, manifest.name).toBe("1.2.4");
      const changelog = await readFile(path.join(copy, relative(dir), "CHANGELOG.md"), "utf8");
      expect(changelog, manifest.name).toContain("Updated dependencies");
      // The sources keep the workspace protocol; packing writes the real range.
      expect(updated.dependencies[bottom], manifest.name).toBe("workspace:^");
    }
  });

  it("leaves the private demo server alone and consumes the changeset", async () => {
    for (const { dir, manifest } of privates) {
      expect((await readManifest(dir)).version, manifest.name).toBe(manifest.version);
      expect(existsSync(path.join(copy, relative(dir), "CHANGELOG.md")), manifest.name).toBe(false);
    }
    expect(existsSync(path.join(copy, ".changeset", "one-fix.md"))).toBe(false);
  });
});
