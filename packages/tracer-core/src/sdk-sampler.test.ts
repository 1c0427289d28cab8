import { AlwaysOffSampler, ParentBasedSampler } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { createCoreTracer } from "./create-core-tracer.js";
import { simulatedRequest } from "./examples/reference-scheduler.js";
import { assertNoTrackedEntries, createTestTracing, type TestTracing } from "./testing/index.js";

const TRACEPARENT = (flags: string) =>
  `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flags}`;

let testing: TestTracing;
afterEach(() => testing.shutdown());

/**
 * Adds, schedules and finishes `count` requests carrying `traceHeaders`; returns the
 * tracked counts in flight.
 */
function run(
  core: ReturnType<typeof createCoreTracer>,
  count: number,
  traceHeaders?: Record<string, string>,
): number[] {
  const inFlight: number[] = [];
  for (let i = 0; i < count; i++) {
    const request = simulatedRequest({
      requestId: `r${i}`,
      promptTokens: 4,
      maxTokens: 2,
      traceHeaders,
    });
    core.requestAdded(request, i);
    inFlight.push(core.trackedEntries);
    core.requestScheduled(request, i);
    core.requestFinished(request, "stopped", i);
  }
  return inFlight;
}

describe("the core under an SDK sampler that drops its span", () => {
  it("keeps nothing, and says once that a journey the API layer traced lost its core span", () => {
    testing = createTestTracing({ sampler: new AlwaysOffSampler() });
    const errors: Array<[string, string]> = [];
    const core = createCoreTracer({
      tracerProvider: testing.provider,
      onError: (error, operation) => errors.push([operation, String(error)]),
    });
    const inFlight = run(core, 3, {
      traceparent: TRACEPARENT("01"),
      "x-llm-journey-sampled": "1",
    });
    expect(inFlight).toEqual([0, 0, 0]);
    expect(testing.finishedSpans()).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toMatch(
      /^warning \(sampler-dropped-core-span\): the tracer provider's sampler made llm_core non-recording.*x-llm-journey-sampled: 1/,
    );
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });

  it("keeps nothing and says nothing when the request came without the API layer's header", () => {
    testing = createTestTracing({ sampler: new AlwaysOffSampler() });
    const errors: unknown[] = [];
    // The core used without the API layer, at a rate chosen for such requests.
    const core = createCoreTracer({
      tracerProvider: testing.provider,
      sampleRate: 1,
      onError: (error) => errors.push(error),
    });
    expect(run(core, 3)).toEqual([0, 0, 0]);
    expect(run(core, 3, { traceparent: TRACEPARENT("01") })).toEqual([0, 0, 0]);
    expect(errors).toEqual([]);
    testing.assertEverySpanEndedOnce();
  });

  it("follows its parent under ParentBased: records below a sampled llm_request, not below an unsampled one", () => {
    testing = createTestTracing({
      sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    });
    const core = createCoreTracer({ tracerProvider: testing.provider, onError: () => {} });
    expect(run(core, 1, { traceparent: TRACEPARENT("01") })).toEqual([1]);
    expect(testing.spansNamed("llm_core")).toHaveLength(1);
    expect(run(core, 1, { traceparent: TRACEPARENT("00") })).toEqual([0]);
    expect(testing.spansNamed("llm_core")).toHaveLength(1);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });
});
