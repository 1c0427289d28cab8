import { sweepIntervalMs } from "@llm-journey/tracer-core/internal";
import {
  assertNoTrackedEntries,
  createTestTracing,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import { SpanStatusCode } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiTracer } from "./create-api-tracer.js";

const MAX_AGE_MS = 2_000;
let testing: TestTracing;
let reported: string[];

beforeEach(() => {
  vi.useFakeTimers();
  testing = createTestTracing();
  reported = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await testing.shutdown();
});

function watchedTracer(maxJourneyAgeMs = MAX_AGE_MS) {
  return createApiTracer({
    tracerProvider: testing.provider,
    maxJourneyAgeMs,
    onError: (error, operation) => reported.push(`${operation}: ${(error as Error).message}`),
  });
}

// The watchdog's sweep, its timer and its validation are the layer contract
// (packages/layer-contract); here, what the API layer's closure records.
describe("the API watchdog", () => {
  it("aborts a journey left open past maxJourneyAgeMs with reason watchdog", () => {
    const api = watchedTracer();
    const handle = api.startJourney({ requestId: "dropped" });
    handle.handoffToCore();
    vi.advanceTimersByTime(MAX_AGE_MS + sweepIntervalMs(MAX_AGE_MS));

    const [span] = testing.spansNamed("llm_request");
    const aborted = span?.events.at(-1);
    expect(aborted?.name).toBe("api.ABORTED");
    expect(aborted?.attributes).toMatchObject({
      reason: "watchdog",
      error: expect.stringContaining("request dropped"),
    });
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(handle.closed).toBe(true);
    expect(api.closedByWatchdog).toBe(1);
    expect(reported).toEqual([expect.stringMatching(/^watchdog: .*request dropped.*2000 ms/)]);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(api, "api");
  });
});

describe("openJourneys", () => {
  it("lists each open journey, oldest first, with its ids, age and latest event", () => {
    const api = watchedTracer(0);
    const first = api.startJourney({ requestId: "first" });
    vi.advanceTimersByTime(300);
    const second = api.startJourney({ requestId: "second" });
    first.handoffToCore();
    first.firstResponse();
    second.handoffToCore();

    expect(api.openJourneys()).toEqual([
      {
        requestId: "first",
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        ageMs: expect.closeTo(300, 6), // monotonic seconds: a double, exact to a nanosecond
        lastEvent: "api.FIRST_RESPONSE_FROM_CORE",
      },
      expect.objectContaining({ requestId: "second", ageMs: 0, lastEvent: "api.HANDOFF_TO_CORE" }),
    ]);
    first.departed();
    second.aborted("client_disconnect");
    expect(api.openJourneys()).toEqual([]);
  });

  it("lists nothing for a request that was sampled out", () => {
    const sampledOut = createApiTracer({ tracerProvider: testing.provider, sampleRate: 0 });
    sampledOut.startJourney({ requestId: "r" });
    expect(sampledOut.openJourneys()).toEqual([]);
  });
});
