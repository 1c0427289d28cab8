import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { apiReport, entryPoints, sharedCompiler } from "./api-report.mjs";

// Runs after `turbo run build` (as `npm test` does): it reads the built declarations.

const entries = await entryPoints();
const compilerState = sharedCompiler(entries);
const UPDATE = "run `npm run api:update` and add a changeset naming the package";
const reportOf = (dir: string, name: string) =>
  readFileSync(path.join(dir, "api-report", `${name}.api.md`), "utf8");

describe("the API report", () => {
  it.each(entries.map((entry) => ({ ...entry, package: path.basename(entry.dir) })))(
    "of $package/$name matches what its declarations export",
    (entry) => {
      expect(apiReport(entry, { compilerState }), `the public surface changed: ${UPDATE}`).toEqual({
        changed: false,
        messages: [],
      });
    },
    60_000,
  );

  it("keeps no report for an entry point that is gone", () => {
    const dirs = [...new Set(entries.map((entry) => entry.dir))];
    const present = dirs.flatMap((dir) =>
      readdirSync(path.join(dir, "api-report")).map((file) => `${dir}/api-report/${file}`),
    );
    const expected = entries.map((entry) => `${entry.dir}/api-report/${entry.name}.api.md`);
    expect(present.sort(), UPDATE).toEqual(expected.sort());
  });

  it("holds tracer-core's main entry to at most 30 names, each documented", () => {
    const core = entries.find((entry) => entry.dir.endsWith("tracer-core"));
    const report = reportOf(String(core?.dir), "index");
    const names = new Set(report.match(/^export (?:declare )?(?:abstract )?\w+ \w+/gm));
    expect(names.size).toBeGreaterThan(0);
    expect(names.size).toBeLessThanOrEqual(30);
    expect(report).not.toMatch(/^\/\/ @public \(undocumented\)/m);
  });
});

describe("a report checked in, then the declarations changed without updating it", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "api-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "package.json"), '{ "name": "x", "version": "1.0.0" }');
  const base = `/** Doubles. */\nexport declare function double(n: number): number;\ntype Hidden = "a" | "b";\n/** Mode. */\nexport declare const mode: Hidden;\n`;
  const entry = { dir, types: path.join(dir, "index.d.ts"), name: "index" };
  const check = (declarations: string) => {
    writeFileSync(entry.types, declarations);
    return apiReport(entry).changed;
  };
  writeFileSync(entry.types, base);
  apiReport(entry, { update: true });

  it("fails when an export is added, removed or changes its signature", () => {
    expect(reportOf(dir, "index")).toContain('type Hidden = "a" | "b";');
    expect(check(base)).toBe(false);
    expect(check(`${base}export declare function triple(n: number): number;\n`)).toBe(true);
    expect(check(base.replace(/^.*double.*$/m, ""))).toBe(true);
    expect(check(base.replace("n: number): number", "n: bigint): bigint"))).toBe(true);
    // A type named in a signature is part of the surface too.
    expect(check(base.replace('"a" | "b"', '"a" | "b" | "c"'))).toBe(true);
  }, 60_000);
});
