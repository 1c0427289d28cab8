import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUserDocSnippets } from "../release/doc-snippets.mjs";
import { run } from "../release/process.mjs";
import { packWorkspace, WORKSPACE_ROOT } from "../release/workspace.mjs";
import {
  checkStack,
  installStack,
  readInstallCommands,
  STACKS,
  type StackName,
  setupOf,
  stackSnippets,
  TS_COMMONJS_SETTINGS,
} from "./compat-check.mjs";

interface ReportedSpan {
  name: string;
  kind: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  scope: { name: string; version: string };
  statusCode: number;
  requestId: string;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}

const STACK_NAMES = Object.keys(STACKS) as StackName[];
// The caller of the /sdk run sends this traceparent, whose sampled flag is off.
const CALLER_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN_ID = "b7ad6b7169203331";

let workDir: string;
let readme: string;
let tarballs: Map<string, string>;
const snippets = readUserDocSnippets(WORKSPACE_ROOT);
const stacks = new Map<StackName, Promise<Awaited<ReturnType<typeof checkStack>>>>();
const versions = new Map<string, string>();

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "llm-journey-compat-"));
  readme = await readFile(path.join(WORKSPACE_ROOT, "docs", "install.md"), "utf8");
  const commands = readInstallCommands(readme);
  tarballs = await packWorkspace(path.join(workDir, "tarballs"));
  for (const name of ["tracer-core", "tracer-api"]) {
    const manifest = path.join(WORKSPACE_ROOT, "packages", name, "package.json");
    versions.set(name, JSON.parse(await readFile(manifest, "utf8")).version);
  }
  for (const stack of STACK_NAMES) {
    const checked = checkStack(stack, { workDir, tarballs, commands: commands[stack], snippets });
    checked.catch(() => {}); // each test that needs it fails with its error
    stacks.set(stack, checked);
  }
  await Promise.allSettled(stacks.values());
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** What a stack's checks reported; throws the stack's own error when it could not run. */
const checksOf = (stack: StackName) => stacks.get(stack) as ReturnType<typeof checkStack>;
const reportOf = async (stack: StackName) => (await checksOf(stack)).journey;

function journeyOf(spans: ReportedSpan[], requestId: string) {
  const api = spans.filter((span) => span.name === "llm_request" && span.requestId === requestId);
  const core = spans.filter((span) => span.name === "llm_core" && span.requestId === requestId);
  expect(api, `one llm_request for ${requestId}`).toHaveLength(1);
  expect(core, `one llm_core for ${requestId}`).toHaveLength(1);
  return { api: api[0] as ReportedSpan, core: core[0] as ReportedSpan };
}

const eventNames = (span: ReportedSpan) => span.events.map((event) => event.name);
const lastEvent = (span: ReportedSpan) => span.events.at(-1);

describe("the install commands of docs/install.md", () => {
  it("name both stacks, each with its API line pinned", async () => {
    const commands = readInstallCommands(readme);
    expect(commands.sdk2[0]).toEqual(expect.arrayContaining(["@opentelemetry/api@1.9"]));
    expect(commands.sdk3[0]).toEqual(expect.arrayContaining(["@opentelemetry/api@1.10"]));
    for (const stack of STACK_NAMES) {
      expect(commands[stack].flat().some((arg) => arg.startsWith("@llm-journey/"))).toBe(true);
    }
  });
});

describe("every package README's install commands", () => {
  // The commands of docs/install.md are the ones the stacks below install and run: a package
  // README that installs OpenTelemetry packages names both stacks, and asks for each
  // only in a version the stack installs.
  const packages = readdirSync(path.join(WORKSPACE_ROOT, "packages")).filter((name) => {
    const file = path.join(WORKSPACE_ROOT, "packages", name, "README.md");
    return (
      existsSync(file) &&
      /## Install\n[\s\S]*?npm install .*@opentelemetry\//.test(readFileSync(file, "utf8"))
    );
  });

  it("are found in the layers' READMEs", async () => {
    expect(packages).toEqual(expect.arrayContaining(["tracer-core", "tracer-api"]));
  });

  it.each(packages)("for %s name both stacks, pinned as the stacks install them", async (name) => {
    const packageReadme = readFileSync(
      path.join(WORKSPACE_ROOT, "packages", name, "README.md"),
      "utf8",
    );
    const own = readInstallCommands(packageReadme);
    const root = readInstallCommands(readme);
    for (const stack of STACK_NAMES) {
      expect(own[stack].length, `${name}: an npm install for ${stack}`).toBeGreaterThan(0);
      const allowed = new Set(root[stack].flat());
      const otel = own[stack].flat().filter((spec) => spec.startsWith("@opentelemetry/"));
      expect(otel.filter((spec) => !allowed.has(spec))).toEqual([]);
    }
  });
});

describe.each(STACK_NAMES)("the %s stack", (stack) => {
  const views = ["ownSdk", "sdkEntry"] as const;

  it("installs every layer with the README's commands, plain npm, on its own Node", async () => {
    expect((await reportOf(stack)).node).toMatch(new RegExp(`^v${STACKS[stack]}\\.`));
  });

  it.each(views)("traces a streaming request with %s: linked spans, every event", async (view) => {
    const { spans, streamed } = (await reportOf(stack))[view];
    expect(streamed).toContain("data: [DONE]");
    const { api, core } = journeyOf(spans, "req-0");
    expect(api.kind).toBe("SERVER");
    expect(core.kind).toBe("INTERNAL");
    expect(core.traceId).toBe(api.traceId);
    expect(core.parentSpanId).toBe(api.spanId);
    expect(eventNames(api)).toEqual([
      "api.ARRIVED",
      "api.HANDOFF_TO_CORE",
      "api.FIRST_RESPONSE_FROM_CORE",
      "api.DEPARTED",
    ]);
    expect(eventNames(core)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FIRST_TOKEN",
      "journey.FINISHED",
    ]);
    expect(lastEvent(core)?.attributes["finish.status"]).toBe("length");
  });

  it.each(views)("closes a request the client abandons on both layers, with %s", async (view) => {
    const { api, core } = journeyOf((await reportOf(stack))[view].spans, "req-1");
    expect(core.parentSpanId).toBe(api.spanId);
    expect(lastEvent(api)).toMatchObject({
      name: "api.ABORTED",
      attributes: { reason: "client_disconnect" },
    });
    expect(api.statusCode).toBe(2);
    expect(lastEvent(core)).toMatchObject({
      name: "journey.FINISHED",
      attributes: { "finish.status": "aborted" },
    });
  });

  it("lets the journey rate, not a caller's unsampled traceparent, decide with /sdk", async () => {
    const { api } = journeyOf((await reportOf(stack)).sdkEntry.spans, "req-0");
    expect(api.traceId).toBe(CALLER_TRACE_ID);
    expect(api.parentSpanId).toBe(CALLER_SPAN_ID);
  });

  it("exports OTLP/HTTP protobuf from /sdk by default, JSON when asked", async () => {
    const report = await reportOf(stack);
    expect(new Set(report.sdkEntry.contentTypes)).toEqual(new Set(["application/json"]));
    expect(new Set(report.defaultProtocol.contentTypes)).toEqual(
      new Set(["application/x-protobuf"]),
    );
    expect(report.defaultProtocol.bytes).toBeGreaterThan(0);
  });

  it("reports each layer's own version as its scope version", async () => {
    const report = await reportOf(stack);
    const scopes = report.ownSdk.spans.map((span: ReportedSpan) => span.scope);
    expect(scopes).toContainEqual({ name: "llm-journey.api", version: versions.get("tracer-api") });
    expect(scopes).toContainEqual({
      name: "llm-journey.scheduler",
      version: versions.get("tracer-core"),
    });
  });

  it("compiles every TypeScript and JavaScript block of the READMEs and docs/ against the installed packages", async () => {
    const { docs } = await checksOf(stack);
    expect(docs.error).toBeUndefined();
    expect(docs.problems).toEqual([]);
    // Every block but the other stack's setup (and those of a package checked on its own).
    const other = STACK_NAMES.filter((name) => name !== stack).map((name) =>
      setupOf(snippets, name),
    );
    expect(stackSnippets(snippets, stack)).not.toContain(other[0]);
    expect(docs.compiled).toBe(stackSnippets(snippets, stack).length);
  });

  it("runs the README's setup for this stack: both spans exported over OTLP", async () => {
    const { setup } = await checksOf(stack);
    expect(setup.error).toBeUndefined();
    expect(setupOf(snippets, stack)).toBeDefined();
    expect(setup.exports).toEqual(["apiJourneys", "coreJourneys", "provider"]);
    expect(setup.traced).toBe(true);
    expect(setup.contentTypes).toEqual(["application/x-protobuf"]);
    expect(setup.spanNames).toEqual(["llm_request", "llm_core"]);
  });

  it("traces a CommonJS app whose tracers are built at module load and whose SDK is registered later through require", async () => {
    const { commonJs } = await checksOf(stack);
    expect(commonJs.error).toBeUndefined();
    expect(commonJs.registered).toBe(true);
    expect(commonJs.enabledBefore).toEqual({ api: false, core: false });
    expect(commonJs.enabledAfter).toEqual({ api: true, core: true });
    expect(commonJs.traced).toBe(true);
    const byName = Object.fromEntries(
      commonJs.spans.map((span: { name: string }) => [span.name, span]),
    );
    expect(Object.keys(byName).sort()).toEqual(["llm_core", "llm_request"]);
    expect(byName.llm_core.traceId).toBe(byName.llm_request.traceId);
    expect(byName.llm_core.parentSpanId).toBe(byName.llm_request.spanId);
    // No false "no SDK registered": the SDK was there before the first request.
    expect(commonJs.notices).toEqual([]);
    expect(commonJs.open).toBe(0);
  });

  it.each(Object.entries(TS_COMMONJS_SETTINGS))(
    "compiles a TypeScript CommonJS consumer with module %s as the README says",
    async (name, errors) => {
      const outcome = (await checksOf(stack)).typeScriptCommonJs[name];
      // What the README says it gives, and what follows from it (untyped imports). The
      // consumer that compiles runs one request on /testing, this stack's SDK.
      expect(outcome?.errors, outcome?.output).toEqual(expect.arrayContaining(errors));
      if (errors.length === 0) {
        expect(outcome?.errors, outcome?.output).toEqual([]);
        expect(outcome?.run).toEqual({
          spans: ["llm_core", "llm_request"],
          entries: ["function", "function", "function"],
        });
      }
      expect(readme).toContain(errors[0] ?? `\`${name}\``);
    },
  );

  it("loads /sdk with only the OTLP JSON exporter installed, and names the missing one at construction", async () => {
    const { oneExporter } = await checksOf(stack);
    expect(oneExporter.error).toBeUndefined();
    const version = stack === "sdk2" ? "0.223" : "0.301";
    expect(oneExporter.defaultProtocolError).toContain(
      "needs @opentelemetry/exporter-trace-otlp-proto, which is not installed",
    );
    expect(oneExporter.defaultProtocolError).toContain(
      `npm install @opentelemetry/exporter-trace-otlp-proto@${version} with SDK ${stack.slice(-1)}`,
    );
    expect(oneExporter.traced).toBe(true);
    expect(oneExporter.contentTypes).toEqual(["application/json"]);
    expect(oneExporter.spanNames).toEqual(["llm_request", "llm_core"]);
  });

  it("runs the legacy layer, while the workspace has it, on this stack's SDK", async () => {
    const hasLegacy = tarballs.has("@llm-journey/legacy-buffer");
    expect((await reportOf(stack)).legacyTracing).toBe(hasLegacy ? true : undefined);
  });
});

describe("the check itself", () => {
  it("fails the SDK 3 stack when tracer-core declares the peer ranges of SDK 2 only", async () => {
    // The optional peers tracer-core had before it supported SDK 3.
    const previousPeers = {
      "@opentelemetry/api": "^1.9.0",
      "@opentelemetry/exporter-trace-otlp-http": ">=0.200.0 <0.300.0",
      "@opentelemetry/resources": "^2.0.0",
      "@opentelemetry/sdk-trace-base": "^2.0.0",
    };
    const unpacked = path.join(workDir, "previous-peers");
    await mkdir(unpacked, { recursive: true });
    const core = tarballs.get("@llm-journey/tracer-core") as string;
    await run("tar", ["-xzf", core, "-C", unpacked]);
    const manifestFile = path.join(unpacked, "package", "package.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
    manifest.peerDependencies = previousPeers;
    manifest.peerDependenciesMeta = Object.fromEntries(
      Object.keys(previousPeers)
        .filter((name) => name !== "@opentelemetry/api")
        .map((name) => [name, { optional: true }]),
    );
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
    const repacked = path.join(unpacked, "llm-journey-tracer-core-previous.tgz");
    await run("tar", ["-czf", repacked, "-C", unpacked, "package"]);

    const installed = installStack("sdk3", {
      workDir,
      name: "sdk3-previous-peers",
      tarballs: new Map([...tarballs, ["@llm-journey/tracer-core", repacked]]),
      commands: readInstallCommands(readme).sdk3,
    });
    await expect(installed).rejects.toThrow(
      /npm install[\s\S]*(ERESOLVE|Conflicting peer dependency)/,
    );
  });
});
