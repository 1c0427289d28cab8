import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPORT_DIR, renderReport, reportEntries, workspaceEntries } from "./api-report.mjs";

// Runs after `turbo run build` (as `npm test` does): it reads the built declarations.

const entries = await workspaceEntries();
const reports = reportEntries(entries);
const UPDATE = "run `npm run api:update` and add a changeset naming the package";

describe("the API report", () => {
  it.each(entries.map((entry, index) => ({ ...entry, report: reports[index] })))(
    "of $specifier matches what its declarations export",
    async ({ specifier, reportFile, report }) => {
      if (report === undefined) throw new Error(`no report for ${specifier}`);
      const checkedIn = existsSync(reportFile) ? await readFile(reportFile, "utf8") : "";
      expect(renderReport(report), `${specifier} changed its public surface: ${UPDATE}`).toBe(
        checkedIn,
      );
    },
  );

  it("keeps no report for an entry point that is gone", async () => {
    const expected = entries.map((entry) => entry.reportFile).sort();
    const dirs = [...new Set(entries.map((entry) => path.join(entry.packageDir, REPORT_DIR)))];
    const present = [];
    for (const dir of dirs) {
      for (const file of await readdir(dir)) present.push(path.join(dir, file));
    }
    expect(present.sort(), UPDATE).toEqual(expected);
  });

  it("holds tracer-core's main entry to at most 30 names, each documented", () => {
    const main = reports.find((report) => report.specifier === "@llm-journey/tracer-core");
    const exported = main?.names.filter((name) => name.kind === "export") ?? [];
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.length).toBeLessThanOrEqual(30);
    expect(exported.filter((name) => !name.documented).map((name) => name.name)).toEqual([]);
  });
});

describe("a report", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  async function reportOf(declarations: string) {
    const dir = await mkdtemp(path.join(tmpdir(), "api-report-"));
    dirs.push(dir);
    const file = path.join(dir, "index.d.ts");
    await writeFile(file, declarations);
    const [entry] = reportEntries([{ specifier: "x", file, packageDir: dir }], []);
    if (entry === undefined) throw new Error("no report");
    return renderReport(entry);
  }

  // As tsc writes it: `export {}` keeps the other declarations of a .d.ts module private.
  const base = `export {};\n/** Doubles. */\nexport declare function double(n: number): number;\ntype Hidden = "a" | "b";\nexport declare const mode: Hidden;\n`;

  it("changes when an export is added, removed or changes its signature", async () => {
    const before = await reportOf(base);
    expect(before).toContain("2 exported names.");
    expect(before).toContain('type Hidden = "a" | "b";');
    expect(before).toContain("// (undocumented)\nconst mode: Hidden;");
    const added = await reportOf(`${base}export declare function triple(n: number): number;\n`);
    expect(added).not.toBe(before);
    expect(added).toContain("3 exported names.");
    const removed = await reportOf(base.replace(/^.*double.*$/m, ""));
    expect(removed).toContain("1 exported names.");
    const changed = await reportOf(base.replace("n: number): number", "n: bigint): bigint"));
    expect(changed).not.toBe(before);
    // A type named in a signature is part of the surface too.
    expect(await reportOf(base.replace('"a" | "b"', '"a" | "b" | "c"'))).not.toBe(before);
  }, 60_000);
});
