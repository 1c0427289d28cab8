import { trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { createCoreTracer } from "./create-core-tracer.js";
import { simulatedRequest } from "./examples/reference-scheduler.js";
import { assertNoTrackedEntries, createTestTracing, type TestTracing } from "./testing/index.js";

// What every layer does before its SDK is registered is the layer contract
// (packages/layer-contract), run against the core tracer there; here, what only the core has.

let testing: TestTracing | undefined;
afterEach(async () => {
  trace.disable();
  await testing?.shutdown();
  testing = undefined;
});

function registerSdk(): TestTracing {
  testing = createTestTracing();
  expect(trace.setGlobalTracerProvider(testing.provider)).toBe(true);
  return testing;
}

describe("a core tracer created before an SDK is registered globally", () => {
  it("gives a request added once the SDK is registered its whole journey", () => {
    const core = createCoreTracer({ sampleRate: 1, onError: () => {} });
    core.requestAdded(simulatedRequest({ requestId: "early", promptTokens: 4, maxTokens: 2 }), 0);
    const sdk = registerSdk();
    const late = simulatedRequest({ requestId: "late", promptTokens: 4, maxTokens: 2 });
    core.requestAdded(late, 1);
    core.requestScheduled(late, 2);
    core.requestFinished(late, "stopped", 3);
    const [span] = sdk.spansNamed("llm_core");
    expect(span?.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FINISHED",
    ]);
    sdk.assertEverySpanEndedOnce();
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
    const sdk = registerSdk();
    core.stepFinished(step(2));
    const steps = sdk.spansNamed("llm_step");
    expect(steps.map((span) => span.attributes["scheduler.step"])).toEqual([2]);
    sdk.assertEverySpanEndedOnce();
  });
});
