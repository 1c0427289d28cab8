import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importDirectionProblems, workspaceSources } from "./import-direction.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function problemsOf(packageName: string, file: string, text: string): string[] {
  return importDirectionProblems([{ packageName, packageDir: "/ws/pkg", file, text }]);
}

describe("the dependency direction between packages", () => {
  it("holds for every source file in the workspace", () => {
    const sources = workspaceSources(ROOT);
    // Every layer is seen (legacy-buffer is gone in a Phase 3 copy).
    const names = new Set(sources.map((source) => source.packageName));
    for (const name of ["context-propagation", "tracer-core", "tracer-api", "demo-server"]) {
      expect(names).toContain(`@llm-journey/${name}`);
    }
    expect(sources.length).toBeGreaterThan(100);
    expect(importDirectionProblems(sources)).toEqual([]);
  });

  it("names an import against the direction", () => {
    expect(
      problemsOf(
        "@llm-journey/context-propagation",
        "src/header-map.ts",
        'import { createCoreTracer } from "@llm-journey/tracer-core";',
      ),
    ).toEqual([
      "@llm-journey/context-propagation: src/header-map.ts imports @llm-journey/tracer-core: @llm-journey/context-propagation must not depend on @llm-journey/tracer-core",
    ]);
    expect(
      problemsOf(
        "@llm-journey/tracer-core",
        "src/x.ts",
        'import type { A } from "@llm-journey/tracer-api";',
      ),
    ).toHaveLength(1);
    expect(
      problemsOf(
        "@llm-journey/tracer-api",
        "src/x.ts",
        'export * from "@llm-journey/legacy-buffer";',
      ),
    ).toHaveLength(1);
  });

  it("lets only the demo's legacy wiring import legacy-buffer", () => {
    const line = 'import { createJourneyRecorder } from "@llm-journey/legacy-buffer";';
    expect(problemsOf("@llm-journey/demo-server", "src/legacy/legacy-engine.ts", line)).toEqual([]);
    expect(problemsOf("@llm-journey/demo-server", "src/server.ts", line)[0]).toContain(
      "only src/legacy/ may",
    );
  });

  it("lets only a package's tests run the private layer contract", () => {
    const line = 'import { describeWatchdog } from "@llm-journey/layer-contract";';
    expect(problemsOf("@llm-journey/tracer-api", "src/layer-contract.test.ts", line)).toEqual([]);
    expect(problemsOf("@llm-journey/tracer-api", "src/create-api-tracer.ts", line)[0]).toContain(
      "only a package's tests may run the contract",
    );
    expect(problemsOf("@llm-journey/tracer-core", "src/x.test.ts", line)[0]).toContain(
      "must not depend on @llm-journey/layer-contract",
    );
  });

  it("keeps the OpenTelemetry SDK out of the libraries' run-time entry points", () => {
    const line = 'import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";';
    expect(problemsOf("@llm-journey/tracer-api", "src/span-api-tracer.ts", line)[0]).toContain(
      "uses only @opentelemetry/api",
    );
    expect(problemsOf("@llm-journey/tracer-core", "src/sdk/provider.ts", line)).toEqual([]);
    expect(problemsOf("@llm-journey/tracer-core", "src/testing/test-tracing.ts", line)).toEqual([]);
    expect(problemsOf("@llm-journey/tracer-api", "src/a.test.ts", line)).toEqual([]);
    expect(problemsOf("@llm-journey/demo-server", "src/server.ts", line)).toEqual([]);
  });

  it("refuses a relative import that leaves its package", () => {
    expect(
      problemsOf(
        "@llm-journey/tracer-api",
        "src/x.ts",
        'import { y } from "../../tracer-core/src/y.js";',
      )[0],
    ).toContain("outside its package");
    expect(
      problemsOf("@llm-journey/tracer-api", "src/a/x.ts", 'import { y } from "../y.js";'),
    ).toEqual([]);
  });

  it("keeps the demo's engine folder from importing the HTTP or journey-store side", () => {
    const demo = (file: string, line: string) => problemsOf("@llm-journey/demo-server", file, line);
    expect(
      demo(
        "src/engine/engine-client.ts",
        'import type { JourneySpan } from "../journeys/x.js";',
      )[0],
    ).toContain("src/engine/ imports nothing of @llm-journey/demo-server outside itself");
    expect(
      demo("src/engine/engine-host.ts", 'import { f } from "../legacy-wiring.js";'),
    ).toHaveLength(1);
    expect(demo("src/engine/engine-host.ts", 'import { f } from "./scheduler.js";')).toEqual([]);
    expect(demo("src/engine/a.test.ts", 'import { s } from "../journeys/store.js";')).toEqual([]);
    expect(demo("src/server.ts", 'import { e } from "./engine/index.js";')).toEqual([]);
  });

  it("refuses a package that has no place in the direction", () => {
    expect(problemsOf("@llm-journey/new-thing", "src/x.ts", "")[0]).toContain("has no place");
  });
});
