import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { workspaceSources } from "./import-direction.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The Markdown a user or contributor reads: root, docs/, and every package's README. */
function userDocs(): { file: string; text: string }[] {
  const files = ["README.md", "CONTRIBUTING.md"];
  for (const name of readdirSync(join(ROOT, "docs"))) {
    if (name.endsWith(".md")) files.push(`docs/${name}`);
  }
  for (const parent of ["packages", "apps"]) {
    for (const folder of readdirSync(join(ROOT, parent)))
      files.push(`${parent}/${folder}/README.md`);
  }
  return files.flatMap((file) => {
    try {
      return [{ file, text: readFileSync(join(ROOT, file), "utf8") }];
    } catch {
      return [];
    }
  });
}

describe("what users read", () => {
  it("names only npm scripts that the repository root has", () => {
    const scripts = Object.keys(
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts as object,
    );
    const unknown: string[] = [];
    for (const { file, text } of userDocs()) {
      for (const match of text.matchAll(/npm run ([\w:-]+)/g)) {
        if (!scripts.includes(match[1] as string)) unknown.push(`${file}: npm run ${match[1]}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it("sends a package's reader to a root script that runs that package's own code", () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts as Record<
      string,
      string
    >;
    const wrong: string[] = [];
    for (const { file, text } of userDocs()) {
      const folder = /^(packages|apps)\/[^/]+\//.exec(file)?.[0];
      if (folder === undefined) continue;
      for (const match of text.matchAll(/npm run ([\w:-]+)/g)) {
        const script = scripts[match[1] as string] ?? "";
        if (!script.includes(folder)) wrong.push(`${file}: npm run ${match[1]} runs ${script}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("cites no design document users do not have, in any published source", () => {
    const citing = workspaceSources(ROOT)
      .filter((source) => !source.packageName.endsWith("demo-server"))
      .filter((source) => !source.file.endsWith(".test.ts"))
      .filter((source) => /\bSPEC\b/.test(source.text))
      .map((source) => `${source.packageName}/${source.file}`);
    expect(citing).toEqual([]);
  });
});
