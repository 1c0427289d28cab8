import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { checkPackages, type PackageResult } from "./pack-and-install.mjs";
import { SUPPORTED_NODE } from "./package-rules.mjs";
import { listPublishablePackages, readWorkspacePackages } from "./workspace.mjs";

// Runs after `turbo run build` (as `npm test` does): it packs what is built.

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => path.join(here, "fixtures", name);
const publishable = await listPublishablePackages();
const workspace = await readWorkspacePackages();

// What each layer's README promises; a package missing here is still checked in full.
const expectedExports: Record<string, string[]> = {
  "@llm-journey/context-propagation": [
    "extractContext",
    "injectContext",
    "withSampledHeader",
    "stripSampledHeader",
  ],
  "@llm-journey/tracer-core": [
    "createCoreTracer",
    "NOOP_CORE_TRACER",
    "CoreEvent",
    "TracingNotice",
  ],
  "@llm-journey/tracer-core/internal": ["isUnconfiguredGlobal", "registeredTracer"],
  "@llm-journey/tracer-core/sdk": ["createJourneyTracerProvider"],
  "@llm-journey/tracer-core/testing": ["createTestTracing", "assertNoTrackedEntries"],
  "@llm-journey/tracer-api": ["createApiTracer", "traceStream", "tracePromise"],
  "@llm-journey/node-llama-cpp": ["createLlamaEngine", "LlamaEngineError"],
  "@llm-journey/node-llama-cpp/testing": ["writeGeneratedModel", "GENERATED_MODEL_SHAPES"],
  "@llm-journey-fixtures/stale-types": ["greet", "farewell"],
};

let packages: PackageResult[] = [];
let fixtures = new Map<string, PackageResult>();

/** The steps that did not pass, with what they said: an empty list reads as a pass. */
function unpassed(result: PackageResult) {
  return result.steps
    .filter((step) => step.status !== "passed")
    .map((step) => ({ step: step.name, status: step.status, messages: step.messages }));
}

function stepOf(result: PackageResult | undefined, name: string) {
  const step = result?.steps.find((candidate) => candidate.name === name);
  if (!step) throw new Error(`no step "${name}" in ${result?.name}`);
  return step;
}

beforeAll(async () => {
  const [packageResults, ...fixtureResults] = await Promise.all([
    checkPackages(publishable, { expectedExports }),
    ...[
      "broken-exports",
      "undeclared-dependency",
      "missing-types",
      "stale-types",
      "dangling-source-maps",
    ].map(async (name) => {
      const [result] = await checkPackages([fixture(name)], { expectedExports });
      return [name, result as PackageResult] as const;
    }),
  ]);
  packages = packageResults;
  fixtures = new Map(fixtureResults);
});

describe("every publishable package, installed on its own from its tarball", () => {
  it("finds the publishable packages and leaves the private demo server out", () => {
    const names = publishable.map((dir) => path.basename(dir));
    expect(names).toEqual(
      expect.arrayContaining(["context-propagation", "tracer-core", "tracer-api"]),
    );
    expect(publishable.some((dir) => dir.includes(`${path.sep}apps${path.sep}`))).toBe(false);
  });

  it.each(publishable.map((dir) => [path.basename(dir), dir]))(
    "%s passes every step: pack, manifest, contents, source maps, imports, install, import, require, typecheck, publint, attw",
    (_name, dir) => {
      const result = packages.find((candidate) => candidate.dir === dir);
      expect(result).toBeDefined();
      expect(unpassed(result as PackageResult)).toEqual([]);
      expect(result?.ok).toBe(true);
    },
  );

  it("turns each workspace:^ dependency into a range of that package's current version", () => {
    for (const result of packages) {
      for (const [name, range] of Object.entries<string>(result.manifest?.dependencies ?? {})) {
        const internal = workspace.get(name);
        if (internal)
          expect(range, `${result.name} → ${name}`).toBe(`^${internal.manifest.version}`);
      }
    }
  });

  it("keeps @opentelemetry/api a peer dependency of every package, never a dependency", () => {
    for (const result of packages) {
      expect(result.manifest?.peerDependencies?.["@opentelemetry/api"], result.name).toBeDefined();
      expect(result.manifest?.dependencies?.["@opentelemetry/api"], result.name).toBeUndefined();
    }
  });

  it("ships no source map that points at a file outside the tarball", () => {
    for (const result of packages) {
      expect(stepOf(result, "source maps"), result.name).toMatchObject({
        status: "passed",
        messages: [],
      });
    }
  });

  it(`declares engines.node "${SUPPORTED_NODE}" and loads with require() as well as import`, () => {
    for (const result of packages) {
      expect(result.manifest?.engines?.node, result.name).toBe(SUPPORTED_NODE);
      expect(stepOf(result, "require"), result.name).toMatchObject({
        status: "passed",
        messages: [],
      });
    }
  });

  it("loads tracer-core's main entry without its optional SDK peers", () => {
    const core = packages.find((result) => result.name === "@llm-journey/tracer-core");
    expect(core).toBeDefined();
    expect(stepOf(core, "import without optional peers").status).toBe("passed");
    expect(stepOf(core, "typecheck without optional peers").status).toBe("passed");
  });
});

describe("a deliberately broken package fails the check, which names the problem", () => {
  it("source maps pointing at unpacked sources, or a map that is not packed, fail the source maps step", () => {
    const result = fixtures.get("dangling-source-maps");
    expect(result?.ok).toBe(false);
    expect(stepOf(result, "source maps").messages).toEqual([
      "lib/index.d.ts names its source map index.d.ts.map, which is not in the tarball",
      "lib/index.js.map maps to ../src/index.ts, which is not in the tarball",
    ]);
    expect(stepOf(result, "import").status).toBe("passed");
    expect(stepOf(result, "require").status).toBe("passed");
  });

  it("an exports map pointing to a file that is not there fails import, publint and attw", () => {
    const result = fixtures.get("broken-exports");
    expect(result?.ok).toBe(false);
    expect(stepOf(result, "import").status).toBe("failed");
    expect(stepOf(result, "import").messages.join("\n")).toMatch(/ERR_MODULE_NOT_FOUND/);
    expect(stepOf(result, "publint").status).toBe("failed");
    expect(stepOf(result, "publint").messages.join("\n")).toContain("./lib/index.js");
    expect(stepOf(result, "attw").status).toBe("failed");
    expect(stepOf(result, "attw").messages.join("\n")).toMatch(/failed to resolve/i);
  });

  it("an import of an undeclared package fails the imports and import steps, naming the package", () => {
    const result = fixtures.get("undeclared-dependency");
    expect(result?.ok).toBe(false);
    expect(stepOf(result, "imports").messages).toEqual([
      'lib/index.js imports "@opentelemetry/api", but @opentelemetry/api is not declared in dependencies or peerDependencies (declare it as a peer dependency)',
    ]);
    expect(stepOf(result, "install").status).toBe("passed");
    expect(stepOf(result, "import").messages.join("\n")).toContain(
      "Cannot find package '@opentelemetry/api'",
    );
  });

  it("a package without declarations fails the type-check with TypeScript's own words", () => {
    const result = fixtures.get("missing-types");
    expect(result?.ok).toBe(false);
    expect(stepOf(result, "import").status).toBe("passed");
    expect(stepOf(result, "typecheck").status).toBe("failed");
    expect(stepOf(result, "typecheck").messages.join("\n")).toMatch(
      /TS7016: Could not find a declaration file for module '@llm-journey-fixtures\/missing-types'/,
    );
  });

  it("declarations that disagree with the JavaScript fail the type-check, naming each export", () => {
    const result = fixtures.get("stale-types");
    expect(result?.ok).toBe(false);
    expect(stepOf(result, "typecheck").messages).toEqual([
      '"@llm-journey-fixtures/stale-types": the types declare "farewell", but the JavaScript does not export it',
      '"@llm-journey-fixtures/stale-types": the JavaScript exports "untypedHelper", but the types do not declare it',
    ]);
    expect(stepOf(result, "import").messages).toEqual([
      '"@llm-journey-fixtures/stale-types" does not export farewell',
    ]);
  });
});
