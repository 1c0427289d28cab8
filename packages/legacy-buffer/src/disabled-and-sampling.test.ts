import { createCoreTracer, NOOP_CORE_TRACER } from "@llm-journey/tracer-core";
import { createTestTracing, type TestTracing } from "@llm-journey/tracer-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  createLegacyJourneyRecorder,
  createLegacySpanBuilder,
  dualJourneyTracer,
  NOOP_LEGACY_RECORDER,
  NOOP_LEGACY_SPAN_BUILDER,
} from "./index.js";
import { DualModeHarness } from "./test-support/dual-mode-harness.js";
import { MiniScheduler, testRequest } from "./test-support/mini-scheduler.js";

const SHAPE = { maxRunning: 2, prefillChunk: 8, kvCapacityTokens: 40 };

let testing: TestTracing | undefined;
afterEach(() => testing?.shutdown());

describe("legacy tracing off", () => {
  it("is the shared no-op recorder, which buffers nothing and drains one frozen empty array", () => {
    const recorder = createLegacyJourneyRecorder({ enabled: false });
    expect(recorder).toBe(NOOP_LEGACY_RECORDER);
    expect(recorder.enabled).toBe(false);
    const scheduler = new MiniScheduler(recorder, SHAPE);
    const empty = recorder.drainStep();
    for (let i = 0; i < 5; i++) {
      scheduler.add(testRequest({ requestId: `r${i}`, promptTokens: 12, maxTokens: 6 }));
    }
    for (let i = 0; i < 50 && !scheduler.idle; i++) {
      scheduler.runStep();
      expect(recorder.drainStep()).toBe(empty);
    }
    scheduler.shutdown();
    expect(Object.isFrozen(empty)).toBe(true);
    expect(empty).toHaveLength(0);
    expect([recorder.trackedEntries, recorder.bufferedRecords, recorder.activeSpans]).toEqual([
      0, 0, 0,
    ]);
  });

  it("is the shared no-op span builder when disabled, which keeps nothing", () => {
    const builder = createLegacySpanBuilder({ enabled: false });
    expect(builder).toBe(NOOP_LEGACY_SPAN_BUILDER);
    builder.begin("r");
    builder.collect("r", []);
    builder.complete("r");
    expect([builder.trackedEntries, builder.bufferedRecords, builder.activeSpans]).toEqual([
      0, 0, 0,
    ]);
  });

  it("leaves the scheduler with the core tracer alone when the legacy side is off, and the reverse", () => {
    testing = createTestTracing();
    const core = createCoreTracer({ tracerProvider: testing.provider });
    const recorder = createLegacyJourneyRecorder();
    expect(dualJourneyTracer(core, NOOP_LEGACY_RECORDER)).toBe(core);
    expect(dualJourneyTracer(NOOP_CORE_TRACER, recorder)).toBe(recorder);
  });

  it("throws at construction on an invalid option, naming it", () => {
    expect(() => createLegacyJourneyRecorder({ sampleRate: 2 })).toThrow(/sampleRate/);
    expect(() => createLegacyJourneyRecorder({ maxEventsPerSpan: 1 })).toThrow(/maxEventsPerSpan/);
    expect(() => createLegacySpanBuilder({ maxEventsPerSpan: 2.5 })).toThrow(/maxEventsPerSpan/);
    expect(() => createLegacyJourneyRecorder({ clientOf: 3 as unknown as () => string })).toThrow(
      /clientOf/,
    );
    // Even when disabled: a configuration mistake is found before it matters.
    expect(() => createLegacyJourneyRecorder({ enabled: false, sampleRate: -1 })).toThrow(
      /sampleRate/,
    );
  });
});

describe("sampling", () => {
  it("keeps nothing on either side, and builds no span, for a request the API layer sampled out", () => {
    const harness = new DualModeHarness({ shape: SHAPE });
    testing = harness.testing;
    harness.submit(
      testRequest({
        requestId: "out",
        promptTokens: 8,
        maxTokens: 4,
        traceHeaders: { "x-llm-journey-sampled": "0" },
      }),
    );
    expect(harness.recorder.trackedEntries).toBe(0);
    expect(harness.recorder.bufferedRecords).toBe(0);
    expect(harness.builder.trackedEntries).toBe(0);
    harness.runToIdle();
    expect(harness.testing.finishedSpans()).toHaveLength(0);
    harness.assertNothingLeft();
  });

  it("traces a request the API layer sampled in even at a recorder sample rate of 0", () => {
    const harness = new DualModeHarness({ shape: SHAPE, recorder: { sampleRate: 0 } });
    testing = harness.testing;
    harness.submit(testRequest({ requestId: "in", promptTokens: 8, maxTokens: 4 }));
    harness.submit(
      testRequest({
        requestId: "forced",
        promptTokens: 8,
        maxTokens: 4,
        traceHeaders: { "x-llm-journey-sampled": "1" },
      }),
    );
    harness.runToIdle();
    // Without the header the recorder's own rate applies: nothing recorded, no legacy span.
    expect(harness.legacySpans().map((span) => span.attributes["gen_ai.request.id"])).toEqual([
      "forced",
    ]);
    harness.assertNothingLeft();
  });
});
