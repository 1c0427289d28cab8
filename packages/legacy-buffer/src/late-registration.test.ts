import { createRequire } from "node:module";
import { createCoreTracer } from "@llm-journey/tracer-core";
import { createTestTracing, type TestTracing } from "@llm-journey/tracer-core/testing";
import { trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createLegacyJourneyRecorder,
  createLegacySpanBuilder,
  dualJourneyTracer,
  NOOP_LEGACY_RECORDER,
  NOOP_LEGACY_SPAN_BUILDER,
} from "./index.js";
import { DualModeHarness } from "./test-support/dual-mode-harness.js";
import { type LoopShape, testRequest } from "./test-support/mini-scheduler.js";

const SHAPE: LoopShape = { maxRunning: 4, prefillChunk: 8, kvCapacityTokens: 1_000 };

let testing: TestTracing | undefined;
afterEach(async () => {
  trace.disable();
  vi.restoreAllMocks();
  await testing?.shutdown();
  testing = undefined;
});

/**
 * Both sides wired as a server wires them, created while no SDK is registered: the span
 * builder (and, in dual mode, the core tracer) on the global provider, the recorder told
 * about it. `tracerProvider: undefined` overrides the harness's own provider with the
 * global one.
 */
function createdBeforeRegistration(options: { dual: boolean; errors: string[] }) {
  const onError = (error: unknown, operation: string) =>
    options.errors.push(`${operation}: ${String(error)}`);
  const harness = new DualModeHarness({
    shape: SHAPE,
    dual: options.dual,
    core: { tracerProvider: undefined, sampleRate: 1, onError },
    recorder: { tracerProvider: trace.getTracerProvider(), onError },
    builder: { tracerProvider: undefined, onError },
  });
  testing = harness.testing;
  return harness;
}

const request = (requestId: string) => testRequest({ requestId, promptTokens: 8, maxTokens: 3 });

describe("legacy tracing created before an SDK is registered globally", () => {
  it("keeps nothing until the SDK is registered, then builds spans for the requests begun from then", () => {
    const errors: string[] = [];
    const harness = createdBeforeRegistration({ dual: false, errors });
    expect(harness.builder).not.toBe(NOOP_LEGACY_SPAN_BUILDER);
    expect(harness.recorder).not.toBe(NOOP_LEGACY_RECORDER);
    expect([harness.builder.enabled, harness.recorder.enabled]).toEqual([false, false]);
    harness.submit(request("early"));
    harness.step();
    expect([harness.builder.trackedEntries, harness.recorder.trackedEntries]).toEqual([0, 0]);

    expect(trace.setGlobalTracerProvider(harness.testing.provider)).toBe(true);
    // Read when asked: true from the moment the SDK is registered.
    expect([harness.builder.enabled, harness.recorder.enabled]).toEqual([true, true]);
    harness.submit(request("late"));
    expect([harness.builder.trackedEntries, harness.recorder.trackedEntries]).toEqual([1, 1]);
    harness.runToIdle();

    // The request begun before registration has no entry: completing it does nothing.
    const spans = harness.legacySpans();
    expect(spans.map((span) => span.attributes["gen_ai.request.id"])).toEqual(["late"]);
    expect(spans[0]?.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FIRST_TOKEN",
      "journey.FINISHED",
    ]);
    expect(errors).toHaveLength(1);
    harness.assertNothingLeft();
  });

  it("feeds both streams in dual mode when a CommonJS copy of the API registers the SDK", () => {
    const errors: string[] = [];
    const harness = createdBeforeRegistration({ dual: true, errors });
    // `require` beside the layers' `import` loads a second copy of API 1.10, which shares
    // only the global registry: a fresh load of the API's files stands for it.
    const require = createRequire(import.meta.url);
    const entry = require.resolve("@opentelemetry/api");
    for (const file of Object.keys(require.cache)) {
      if (file.startsWith(entry.slice(0, entry.lastIndexOf("build")))) delete require.cache[file];
    }
    const other: typeof import("@opentelemetry/api") = require("@opentelemetry/api");
    expect(other.trace.setGlobalTracerProvider(harness.testing.provider)).toBe(true);
    harness.submit(request("r"));
    harness.runToIdle();
    expect(harness.coreSpans()).toHaveLength(1);
    expect(harness.legacySpans().map((span) => span.attributes["gen_ai.request.id"])).toEqual([
      "r",
    ]);
    expect(errors).toEqual([]);
    harness.assertNothingLeft();
    other.trace.disable();
  });

  it("feeds both streams in dual mode once the SDK is registered", () => {
    const errors: string[] = [];
    const harness = createdBeforeRegistration({ dual: true, errors });
    trace.setGlobalTracerProvider(harness.testing.provider);
    harness.submit(request("r"));
    harness.runToIdle();
    expect(harness.coreSpans().map((span) => span.attributes["gen_ai.request.id"])).toEqual(["r"]);
    expect(harness.legacySpans().map((span) => span.attributes["gen_ai.request.id"])).toEqual([
      "r",
    ]);
    expect(errors).toEqual([]);
    harness.assertNothingLeft();
  });

  it("keeps a recorder rate set before the SDK is registered", () => {
    const recorder = createLegacyJourneyRecorder({ tracerProvider: trace.getTracerProvider() });
    recorder.sampleRate = 0;
    expect(() => {
      recorder.sampleRate = 2;
    }).toThrow(/sampleRate/);
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    expect(recorder.sampleRate).toBe(0);
    recorder.requestAdded(request("not recorded"), 0);
    expect(recorder.trackedEntries).toBe(0);
    recorder.sampleRate = 1;
    recorder.requestAdded(request("recorded"), 1);
    recorder.requestFinished("recorded", "aborted", 2);
    expect(recorder.drainStep().map((entry) => entry.requestId)).toEqual(["recorded"]);
    expect([recorder.trackedEntries, recorder.bufferedRecords]).toEqual([0, 0]);
  });

  it("reports the first request begun while no SDK is registered, once, and leaves nothing behind", () => {
    const errors: string[] = [];
    const harness = createdBeforeRegistration({ dual: false, errors });
    for (let i = 0; i < 5; i++) harness.submit(request(`r${i}`));
    harness.abort("r4");
    harness.runToIdle();
    harness.shutdown();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^begin: warning \(no-sdk-registered\): no OpenTelemetry SDK is registered globally/,
    );
    expect(errors[0]).toContain('"r0"');
    expect(harness.testing.finishedSpans()).toHaveLength(0);
    harness.assertNothingLeft();
  });

  it("says so through the default console.warn when no onError is given", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const builder = createLegacySpanBuilder();
    builder.begin("a");
    builder.begin("b");
    builder.complete("a");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain("no OpenTelemetry SDK is registered");
    expect([builder.trackedEntries, builder.bufferedRecords]).toEqual([0, 0]);
  });

  it("stays the shared no-op with enabled: false, before and after the SDK is registered", () => {
    const errors: string[] = [];
    const onError = (_error: unknown, operation: string) => errors.push(operation);
    const builder = createLegacySpanBuilder({ enabled: false, onError });
    const recorder = createLegacyJourneyRecorder({
      enabled: false,
      tracerProvider: trace.getTracerProvider(),
      onError,
    });
    expect(builder).toBe(NOOP_LEGACY_SPAN_BUILDER);
    expect(recorder).toBe(NOOP_LEGACY_RECORDER);
    builder.begin("before");
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    expect([builder.enabled, recorder.enabled]).toEqual([false, false]);
    builder.begin("after");
    recorder.requestAdded(request("after"), 0);
    recorder.requestFinished("after", "stopped", 1);
    builder.collectStep(recorder.drainStep());
    builder.complete("after", { status: "stopped" });
    expect(testing.finishedSpans()).toHaveLength(0);
    expect(errors).toEqual([]);
    expect([builder.trackedEntries, recorder.trackedEntries, recorder.bufferedRecords]).toEqual([
      0, 0, 0,
    ]);
  });

  it("reports once and stays off when the registered SDK fails to give its tracer", () => {
    const errors: string[] = [];
    const builder = createLegacySpanBuilder({
      onError: (_error, operation) => errors.push(operation),
    });
    trace.setGlobalTracerProvider({
      getTracer: () => {
        throw new Error("broken provider");
      },
    });
    expect(builder.enabled).toBe(false);
    builder.begin("a");
    builder.begin("b");
    builder.complete("a");
    expect(errors).toEqual(["createLegacySpanBuilder"]);
    expect(builder.trackedEntries).toBe(0);
  });

  it("keeps a side that waits for the SDK in dualJourneyTracer, and drops only the shared no-ops", () => {
    const core = createCoreTracer({ sampleRate: 1 });
    const recorder = createLegacyJourneyRecorder({ tracerProvider: trace.getTracerProvider() });
    const hooks = dualJourneyTracer(core, recorder);
    expect(hooks).not.toBe(core);
    expect(hooks).not.toBe(recorder);
    expect(hooks.enabled).toBe(false);
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    expect(hooks.enabled).toBe(true);
  });
});
