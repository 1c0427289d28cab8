import { createRequire } from "node:module";
import {
  type CoreJourneyTracer,
  createCoreTracer,
  NOOP_CORE_TRACER,
} from "@llm-journey/tracer-core";
import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import { trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApiJourneyTracer } from "./api-tracer.js";
import { type ApiTracerOptions, createApiTracer } from "./create-api-tracer.js";
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

describe("an API tracer waiting for the SDK says so once", () => {
  // The module-level tracers above leave the SDK registered.
  beforeEach(() => trace.disable());
  afterEach(() => {
    trace.disable();
    vi.restoreAllMocks();
  });

  /** Both layers on the global provider, each reporting into its own list. */
  function layers(options: ApiTracerOptions = {}) {
    const apiReports: string[] = [];
    const coreReports: string[] = [];
    return {
      api: createApiTracer({
        sampleRate: 1,
        ...options,
        onError: (error, operation) => apiReports.push(`${operation}: ${String(error)}`),
      }),
      core: createCoreTracer({
        enabled: options.enabled ?? true,
        onError: (error, operation) => coreReports.push(`${operation}: ${String(error)}`),
      }),
      apiReports,
      coreReports,
    };
  }

  it("once per tracer however many requests come while none is registered, keeping nothing", async () => {
    const unregistered = createTestTracing();
    const both = layers();
    for (let i = 0; i < 20; i++) journey(`r${i}`, both);
    const open = both.api.startJourney({ requestId: "left open" });
    expect(open).toBe(NOOP_JOURNEY_HANDLE);
    both.api.shutdown();
    both.core.shutdown(1);
    expect([both.apiReports.length, both.coreReports.length]).toEqual([1, 1]);
    expect(both.apiReports[0]).toMatch(
      /^startJourney: warning \(no-sdk-registered\): .*"r0" no llm_request span/,
    );
    expect(unregistered.finishedSpans()).toHaveLength(0);
    assertNoTrackedEntries(both.api, "api");
    assertNoTrackedEntries(both.core, "core");
    expect(both.api.openJourneys()).toEqual([]);
    await unregistered.shutdown();
  });

  it("not at all when the SDK is registered before the first journey", async () => {
    const sdk = createTestTracing();
    const both = layers();
    trace.setGlobalTracerProvider(sdk.provider);
    journey("a", both);
    journey("b", both);
    expect(
      sdk.spansNamed("llm_request").map((span) => span.attributes["gen_ai.request.id"]),
    ).toEqual(["a", "b"]);
    expect(sdk.spansNamed("llm_core")).toHaveLength(2);
    expect([both.apiReports, both.coreReports]).toEqual([[], []]);
    sdk.assertEverySpanEndedOnce();
    await sdk.shutdown();
  });

  it("not at all when a CommonJS copy of the API registers the SDK, and traces both layers linked", async () => {
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

  it("after one journey before the SDK, then traces the journeys that start once it is", async () => {
    const sdk = createTestTracing();
    const both = layers();
    journey("early", both);
    trace.setGlobalTracerProvider(sdk.provider);
    expect(journey("late", both).traced).toBe(true);
    expect([both.apiReports.length, both.coreReports.length]).toEqual([1, 1]);
    expect(both.apiReports[0]).toContain('"early"');
    expect(
      sdk.spansNamed("llm_request").map((span) => span.attributes["gen_ai.request.id"]),
    ).toEqual(["late"]);
    expect(sdk.spansNamed("llm_core")).toHaveLength(1);
    sdk.assertEverySpanEndedOnce();
    assertNoTrackedEntries(both.api, "api");
    assertNoTrackedEntries(both.core, "core");
    await sdk.shutdown();
  });

  it("not with enabled: false, nor with a tracerProvider of its own", async () => {
    const sdk = createTestTracing();
    const off = layers({ enabled: false });
    const own = layers({ tracerProvider: sdk.provider });
    expect(off.core).toBe(NOOP_CORE_TRACER);
    expect(journey("off", off)).toBe(NOOP_JOURNEY_HANDLE);
    expect(own.api.startJourney({ requestId: "own" }).traced).toBe(true);
    own.api.shutdown();
    trace.setGlobalTracerProvider(sdk.provider);
    expect(journey("off, after", off)).toBe(NOOP_JOURNEY_HANDLE);
    expect([off.apiReports, off.coreReports, own.apiReports]).toEqual([[], [], []]);
    expect(
      sdk.spansNamed("llm_request").map((span) => span.attributes["gen_ai.request.id"]),
    ).toEqual(["own"]);
    assertNoTrackedEntries(own.api, "api");
    await sdk.shutdown();
  });

  it("through the default console.warn when no onError is given", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const quiet = createApiTracer();
    for (let i = 0; i < 3; i++) quiet.startJourney({ requestId: `r${i}` }).departed();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^\[llm-journey\] warning from startJourney \(no-sdk-registered\): no OpenTelemetry SDK is registered globally, so llm-journey.api gives request "r0" no llm_request span/,
    );
    assertNoTrackedEntries(quiet, "api");
  });

  it("without letting a handler that throws reach the request", () => {
    const throwing = createApiTracer({
      onError: () => {
        throw new Error("handler failed");
      },
    });
    expect(throwing.startJourney({ requestId: "a" })).toBe(NOOP_JOURNEY_HANDLE);
    expect(throwing.startJourney({ requestId: "b" })).toBe(NOOP_JOURNEY_HANDLE);
  });
});
