import { createRequire } from "node:module";
import { type CoreJourneyTracer, createCoreTracer } from "@llm-journey/tracer-core";
import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import { trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiJourneyTracer } from "./api-tracer.js";
import { createApiTracer } from "./create-api-tracer.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import { api, core, reports } from "./test-support/module-level-tracers.js";

const testing = createTestTracing();
afterAll(async () => {
  trace.disable();
  await testing.shutdown();
});

/** One request through both layers, ended on the API side as the client receives it. */
function journey(
  requestId: string,
  layers: { api: ApiJourneyTracer; core: CoreJourneyTracer } = { api, core },
) {
  const { api, core } = layers;
  const handle = api.startJourney({ requestId });
  const request = {
    requestId,
    traceHeaders: { ...handle.coreHeaders },
    promptTokens: 2,
    computedTokens: 2,
    outputTokens: 1,
    maxTokens: 1,
    preemptions: 0,
  };
  core.requestAdded(request, 0);
  core.requestFinished(request, "length", 1);
  handle.departed();
  return handle;
}

describe("tracers created at module level, before the application registers its SDK", () => {
  it("trace nothing and say so while no SDK is registered", () => {
    expect([api.enabled, core.enabled]).toEqual([false, false]);
    expect(journey("before")).toBe(NOOP_JOURNEY_HANDLE);
    expect(journey("before, again")).toBe(NOOP_JOURNEY_HANDLE);
    expect(testing.finishedSpans()).toHaveLength(0);
    // Once per layer, naming the first request, the missing SDK and the way to register it.
    expect(reports).toEqual([
      'startJourney: warning (no-sdk-registered): no OpenTelemetry SDK is registered globally, so llm-journey.api gives request "before" no llm_request span, nor any other request until one is; register the SDK (provider.register() or trace.setGlobalTracerProvider()) before requests arrive, or pass tracerProvider',
      'requestAdded: warning (no-sdk-registered): no OpenTelemetry SDK is registered globally, so llm-journey.scheduler gives request "before" no llm_core span, nor any other request until one is; register the SDK (provider.register() or trace.setGlobalTracerProvider()) before requests arrive, or pass tracerProvider',
    ]);
    assertNoTrackedEntries(api, "api");
    assertNoTrackedEntries(core, "core");
  });

  it("trace on both layers from the moment it is, keeping the rate set meanwhile", () => {
    api.sampleRate = 0.5;
    expect(trace.setGlobalTracerProvider(testing.provider)).toBe(true);
    // True before any request: `enabled` is read at the moment it is asked.
    expect([api.enabled, core.enabled]).toEqual([true, true]);
    expect(api.sampleRate).toBe(0.5);
    api.sampleRate = 1;
    const handle = journey("after");
    expect(handle.traced).toBe(true);
    const [apiSpan] = testing.spansNamed("llm_request");
    const [coreSpan] = testing.spansNamed("llm_core");
    expect(apiSpan?.attributes["gen_ai.request.id"]).toBe("after");
    expect(coreSpan?.parentSpanContext?.spanId).toBe(apiSpan?.spanContext().spanId);
    expect(coreSpan?.spanContext().traceId).toBe(apiSpan?.spanContext().traceId);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(api, "api");
    assertNoTrackedEntries(core, "core");
    // Nothing more to say once the SDK is there.
    expect(reports).toHaveLength(2);
  });

  it("close what they opened at shutdown, after binding", () => {
    const open = api.startJourney({ requestId: "open" });
    core.requestAdded(
      {
        requestId: "open",
        traceHeaders: { ...open.coreHeaders },
        promptTokens: 2,
        computedTokens: 0,
        outputTokens: 0,
        maxTokens: 1,
        preemptions: 0,
      },
      0,
    );
    expect([api.activeSpans, core.activeSpans]).toEqual([1, 1]);
    api.shutdown();
    core.shutdown(1);
    assertNoTrackedEntries(api, "api");
    assertNoTrackedEntries(core, "core");
    const aborted = testing.spansNamed("llm_request").at(-1);
    expect(aborted?.events.at(-1)?.attributes?.reason).toBe("shutdown");
    testing.assertEverySpanEndedOnce();
  });
});

// What every layer does before its SDK is registered is the layer contract
// (packages/layer-contract), run against the API tracer in layer-contract.test.ts; here,
// the two layers together.
describe("both layers waiting for the SDK", () => {
  // The module-level tracers above leave the SDK registered.
  beforeEach(() => trace.disable());
  afterEach(() => trace.disable());

  /** Both layers on the global provider, each reporting into its own list. */
  function layers() {
    const apiReports: string[] = [];
    const coreReports: string[] = [];
    return {
      api: createApiTracer({
        sampleRate: 1,
        onError: (error, operation) => apiReports.push(`${operation}: ${String(error)}`),
      }),
      core: createCoreTracer({
        onError: (error, operation) => coreReports.push(`${operation}: ${String(error)}`),
      }),
      apiReports,
      coreReports,
    };
  }

  it("say nothing when a CommonJS copy of the API registers the SDK, and trace both layers linked", async () => {
    // API 1.10 ships separate CommonJS and ES builds: a `require` beside the layers'
    // `import` loads a second copy with its own classes and global proxy, sharing only
    // the global registry. A fresh load of the API's files stands for it.
    const require = createRequire(import.meta.url);
    const entry = require.resolve("@opentelemetry/api");
    for (const file of Object.keys(require.cache)) {
      if (file.startsWith(entry.slice(0, entry.lastIndexOf("build")))) delete require.cache[file];
    }
    const other: typeof import("@opentelemetry/api") = require("@opentelemetry/api");
    expect(other.trace).not.toBe(trace);
    const sdk = createTestTracing();
    const both = layers();
    other.trace.setGlobalTracerProvider(sdk.provider);
    expect([both.api.enabled, both.core.enabled]).toEqual([true, true]);
    journey("cjs", both);
    const [request] = sdk.spansNamed("llm_request");
    const [core] = sdk.spansNamed("llm_core");
    expect(core?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect([both.apiReports, both.coreReports]).toEqual([[], []]);
    sdk.assertEverySpanEndedOnce();
    other.trace.disable();
    await sdk.shutdown();
  });
});
