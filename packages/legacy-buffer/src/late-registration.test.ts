import { createRequire } from "node:module";
import { createCoreTracer } from "@llm-journey/tracer-core";
import { createTestTracing, type TestTracing } from "@llm-journey/tracer-core/testing";
import { trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createLegacyJourneyRecorder,
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

// What each side does on its own before its SDK is registered is the layer contract
// (packages/layer-contract), run against the recorder and the span builder in
// layer-contract.test.ts; here, the two sides wired together as a server wires them.
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
