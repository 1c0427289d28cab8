import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import { trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import { api, core } from "./test-support/module-level-tracers.js";

const testing = createTestTracing();
afterAll(async () => {
  trace.disable();
  await testing.shutdown();
});

function journey(requestId: string) {
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
    expect(testing.finishedSpans()).toHaveLength(0);
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
