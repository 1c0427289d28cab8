import { trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { createCoreTracer } from "./create-core-tracer.js";
import { simulatedRequest } from "./examples/reference-scheduler.js";
import { NOOP_CORE_TRACER } from "./noop-core-tracer.js";
import { assertNoTrackedEntries, createTestTracing, type TestTracing } from "./testing/index.js";

let testing: TestTracing | undefined;
afterEach(async () => {
  trace.disable();
  await testing?.shutdown();
});

const request = (requestId: string) =>
  simulatedRequest({ requestId, promptTokens: 4, maxTokens: 2 });

describe("a core tracer created before an SDK is registered globally", () => {
  it("is not the no-op, says it is disabled, and keeps nothing until one is", () => {
    const core = createCoreTracer();
    expect(core).not.toBe(NOOP_CORE_TRACER);
    expect(core.enabled).toBe(false);
    core.requestAdded(request("r"), 0);
    core.requestScheduled(request("r"), 1);
    core.requestFinished("r", "stopped", 2);
    assertNoTrackedEntries(core, "core");
  });

  it("records the requests added once the SDK is registered", () => {
    // The core used alone: it samples at its own rate, chosen here.
    const core = createCoreTracer({ sampleRate: 1 });
    const early = request("early");
    core.requestAdded(early, 0);
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    expect(core.enabled).toBe(true);
    const late = request("late");
    core.requestAdded(late, 1);
    expect(core.trackedEntries).toBe(1);
    core.requestScheduled(late, 2);
    // The request added before registration has no journey: finishing it does nothing.
    core.requestFinished(early, "stopped", 3);
    core.requestFinished(late, "stopped", 3);
    const spans = testing.spansNamed("llm_core");
    expect(spans.map((span) => span.attributes["gen_ai.request.id"])).toEqual(["late"]);
    expect(spans[0]?.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FINISHED",
    ]);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });

  it("keeps a rate set before the SDK is registered", () => {
    const core = createCoreTracer({ sampleRate: 1 });
    core.sampleRate = 0;
    expect(() => {
      core.sampleRate = 2;
    }).toThrow(/sampleRate/);
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    expect(core.sampleRate).toBe(0);
    core.requestAdded(request("not traced"), 0);
    expect(core.trackedEntries).toBe(0);
    core.sampleRate = 1;
    core.requestAdded(request("traced"), 1);
    core.requestFinished("traced", "stopped", 2);
    expect(testing.spansNamed("llm_core")).toHaveLength(1);
    assertNoTrackedEntries(core, "core");
  });

  it("starts its step spans once the SDK is registered", () => {
    const core = createCoreTracer({ steps: { sampleRate: 1 } });
    const step = (n: number) => ({
      step: n,
      startedAt: performance.now(),
      running: 0,
      waiting: 0,
      prefillTokens: 0,
      decodeSeqs: 0,
      preemptions: 0,
      batch: [],
    });
    core.stepFinished(step(1));
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    core.stepFinished(step(2));
    const steps = testing.spansNamed("llm_step");
    expect(steps.map((span) => span.attributes["scheduler.step"])).toEqual([2]);
    testing.assertEverySpanEndedOnce();
  });

  it("reports once and stays off when the registered SDK fails to give its tracer", () => {
    const errors: string[] = [];
    const core = createCoreTracer({ onError: (_error, operation) => errors.push(operation) });
    trace.setGlobalTracerProvider({
      getTracer: () => {
        throw new Error("broken provider");
      },
    });
    expect(core.enabled).toBe(false);
    core.requestAdded(request("a"), 0);
    core.requestAdded(request("b"), 1);
    expect(errors).toEqual(["createCoreTracer"]);
    assertNoTrackedEntries(core, "core");
  });
});
