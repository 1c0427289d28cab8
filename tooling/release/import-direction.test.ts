import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readWorkspacePackages, WORKSPACE_ROOT } from "./workspace.mjs";

// The dependency direction (docs/architecture.md). Between packages it lives in their
// manifests: each declares only the workspace packages this table allows, and pnpm's strict
// node_modules and TypeScript refuse an import of anything undeclared. Inside packages,
// biome's noRestrictedImports (the overrides in biome.json, run by `biome check` in
// `npm test`) keeps the OpenTelemetry SDK, the layer contract, legacy-buffer and the demo's
// engine folder in their places.

const ALLOWED: Record<string, string[]> = {
  "@llm-journey/context-propagation": [],
  "@llm-journey/tracer-core": ["@llm-journey/context-propagation"],
  // The private contract suite every layer's tests run.
  "@llm-journey/layer-contract": ["@llm-journey/tracer-core"],
  "@llm-journey/tracer-api": [
    "@llm-journey/context-propagation",
    "@llm-journey/tracer-core",
    "@llm-journey/layer-contract",
  ],
  "@llm-journey/legacy-buffer": [
    "@llm-journey/context-propagation",
    "@llm-journey/tracer-core",
    "@llm-journey/layer-contract",
  ],
  "@llm-journey/node-llama-cpp": ["@llm-journey/context-propagation", "@llm-journey/tracer-core"],
  "@llm-journey/demo-server": [
    "@llm-journey/context-propagation",
    "@llm-journey/tracer-core",
    "@llm-journey/tracer-api",
    "@llm-journey/legacy-buffer",
    "@llm-journey/node-llama-cpp",
  ],
};
const workspace = await readWorkspacePackages();

describe("the dependency direction between packages", () => {
  it.each([...workspace.values()].map(({ manifest }) => [manifest.name, manifest]))(
    "%s declares only the workspace packages it may import",
    (name, manifest) => {
      const declared = ["dependencies", "peerDependencies", "optionalDependencies"]
        .concat("devDependencies")
        .flatMap((field) => Object.keys(manifest[field] ?? {}))
        .filter((dependency) => dependency.startsWith("@llm-journey/"));
      expect(ALLOWED[name], `${name} has no place in the dependency direction`).toBeDefined();
      expect(declared.filter((dependency) => !ALLOWED[name]?.includes(dependency))).toEqual([]);
    },
  );

  it("leaves an undeclared package unresolvable, so that importing it fails", () => {
    // As Node and TypeScript resolve, without the NODE_PATH that pnpm's bin scripts set.
    const { NODE_PATH, ...env } = process.env;
    const resolve = 'require.resolve("@llm-journey/tracer-core")';
    const cwd = workspace.get("@llm-journey/context-propagation")?.dir;
    expect(() =>
      execFileSync(process.execPath, ["-e", resolve], { cwd, env, stdio: "pipe" }),
    ).toThrow(/Cannot find module '@llm-journey\/tracer-core'/);
    expect(
      execFileSync(process.execPath, ["-e", resolve], {
        cwd: workspace.get("@llm-journey/tracer-api")?.dir,
        env,
      }),
    ).toBeDefined();
  });
});

describe("imports inside packages, as biome checks them", () => {
  // Each file holds the offending imports; biome runs once over a copy of biome.json.
  const files: Record<string, string> = {
    "packages/tracer-api/src/tracer.ts":
      'import "@opentelemetry/sdk-trace-base";\nimport "@llm-journey/layer-contract";\nimport "@opentelemetry/api";\n',
    "packages/tracer-core/src/sdk/provider.ts": 'import "@opentelemetry/sdk-trace-base";\n',
    "packages/tracer-core/src/testing/test-tracing.ts": 'import "@opentelemetry/sdk-trace-base";\n',
    "packages/tracer-api/src/test-support/spans.ts": 'import "@llm-journey/layer-contract";\n',
    "packages/tracer-api/src/contract.test.ts":
      'import "@llm-journey/layer-contract";\nimport "@opentelemetry/sdk-trace-base";\n',
    "apps/demo-server/src/server.ts":
      'import "@llm-journey/legacy-buffer";\nimport "@opentelemetry/sdk-trace-base";\n',
    "apps/demo-server/src/legacy/legacy-engine.ts": 'import "@llm-journey/legacy-buffer";\n',
    "apps/demo-server/src/engine/engine-host.ts":
      'import "../journeys/store.js";\nimport "./scheduler.js";\n',
    "apps/demo-server/src/engine/engine-host.test.ts": 'import "../journeys/store.js";\n',
  };
  const dir = mkdtempSync(path.join(tmpdir(), "import-direction-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(path.join(WORKSPACE_ROOT, "biome.json"), path.join(dir, "biome.json"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const biome = path.join(WORKSPACE_ROOT, "node_modules", ".bin", "biome");
  let report = "";
  try {
    execFileSync(biome, ["lint", "--vcs-enabled=false", "--reporter=json", "."], {
      cwd: dir,
      stdio: "pipe",
    });
  } catch (error) {
    report = String((error as { stdout: Buffer }).stdout);
  }
  const found: { message: string; location: { path: string; start: { line: number } } }[] =
    JSON.parse(report).diagnostics;
  const violations = (file: string) =>
    found
      .filter((diagnostic) => diagnostic.location.path === file)
      .map((diagnostic) => `${diagnostic.location.start.line}: ${diagnostic.message}`);

  it("keeps the SDK out of a library's run-time code; its sdk, testing and tests may use it", () => {
    expect(violations("packages/tracer-api/src/tracer.ts")).toEqual([
      "1: a library uses only @opentelemetry/api outside its sdk, testing and example entry points.",
      "2: only a package's tests may run the layer contract.",
    ]);
    expect(violations("packages/tracer-core/src/sdk/provider.ts")).toEqual([]);
    expect(violations("packages/tracer-core/src/testing/test-tracing.ts")).toEqual([]);
  });

  it("lets only a package's tests run the layer contract", () => {
    expect(violations("packages/tracer-api/src/test-support/spans.ts")).toEqual([
      "1: only a package's tests may run the layer contract.",
    ]);
    expect(violations("packages/tracer-api/src/contract.test.ts")).toEqual([]);
  });

  it("lets only the demo's legacy wiring import legacy-buffer", () => {
    expect(violations("apps/demo-server/src/server.ts")).toEqual([
      "1: only src/legacy/ may, so that Phase 3 can delete it whole.",
    ]);
    expect(violations("apps/demo-server/src/legacy/legacy-engine.ts")).toEqual([]);
  });

  it("keeps the demo's engine folder from importing the rest of the demo, its tests aside", () => {
    expect(violations("apps/demo-server/src/engine/engine-host.ts")).toEqual([
      "1: src/engine/ imports nothing of the demo server outside itself: the HTTP and journey side program against its contract.",
    ]);
    expect(violations("apps/demo-server/src/engine/engine-host.test.ts")).toEqual([]);
  });
});
