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

/** Timers left once the SDK's export of ended spans (a 0 ms timeout, so 1 ms) has run. */
function timersWaiting(): number {
  vi.advanceTimersByTime(1);
  return vi.getTimerCount();
}

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

  it("ignores every later call on a handle it closed", () => {
    const api = watchedTracer();
    const handle = api.startJourney({ requestId: "late" });
    vi.advanceTimersByTime(2 * MAX_AGE_MS);
    handle.firstResponse();
    handle.setUsage({ outputTokens: 3 });
    handle.departed();
    handle.aborted("timeout");

    const [span] = testing.spansNamed("llm_request");
    expect(span?.events.map((event) => event.name)).toEqual(["api.ARRIVED", "api.ABORTED"]);
    testing.assertEverySpanEndedOnce();
    expect(reported).toHaveLength(1);
  });

  it("closes only the journeys past the limit, oldest first, and leaves the rest open", () => {
    const api = watchedTracer();
    const old = api.startJourney({ requestId: "old" });
    vi.advanceTimersByTime(MAX_AGE_MS / 2);
    const closedInTime = api.startJourney({ requestId: "finished" });
    const young = api.startJourney({ requestId: "young" });
    closedInTime.departed();
    vi.advanceTimersByTime(MAX_AGE_MS / 2 + sweepIntervalMs(MAX_AGE_MS));

    expect(old.closed).toBe(true);
    expect(young.closed).toBe(false);
    expect(api.openJourneys().map((journey) => journey.requestId)).toEqual(["young"]);
    expect(api.closedByWatchdog).toBe(1);
    api.shutdown();
    testing.assertEverySpanEndedOnce();
  });

  it("runs one timer while journeys are open, none when idle or after shutdown", () => {
    const api = watchedTracer();
    expect(timersWaiting()).toBe(0);
    for (let i = 0; i < 50; i++) api.startJourney({ requestId: `r${i}` });
    expect(timersWaiting()).toBe(1);
    vi.advanceTimersByTime(2 * MAX_AGE_MS);
    expect(api.trackedEntries).toBe(0);
    expect(timersWaiting()).toBe(0);

    api.startJourney({ requestId: "again" });
    expect(timersWaiting()).toBe(1);
    api.shutdown();
    expect(timersWaiting()).toBe(0);
    testing.assertEverySpanEndedOnce();
  });

  it("is off by default and with 0, and rejects a bad limit at construction", () => {
    for (const api of [createApiTracer({ tracerProvider: testing.provider }), watchedTracer(0)]) {
      api.startJourney({ requestId: "kept" });
      expect(timersWaiting()).toBe(0);
      vi.advanceTimersByTime(3_600_000);
      expect(api.trackedEntries).toBe(1);
      api.shutdown();
    }
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, "60000"]) {
      expect(() => createApiTracer({ maxJourneyAgeMs: bad as number })).toThrow(
        /maxJourneyAgeMs must be a finite number of milliseconds >= 0/,
      );
    }
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
        ageMs: 300,
        lastEvent: "api.FIRST_RESPONSE_FROM_CORE",
      },
      expect.objectContaining({ requestId: "second", ageMs: 0, lastEvent: "api.HANDOFF_TO_CORE" }),
    ]);
    first.departed();
    second.aborted("client_disconnect");
    expect(api.openJourneys()).toEqual([]);
  });

  it("lists nothing when tracing is off or the request was sampled out", () => {
    const off = createApiTracer({ enabled: false });
    off.startJourney({ requestId: "r" });
    expect(off.openJourneys()).toEqual([]);
    expect(off.closedByWatchdog).toBe(0);
    const sampledOut = createApiTracer({ tracerProvider: testing.provider, sampleRate: 0 });
    sampledOut.startJourney({ requestId: "r" });
    expect(sampledOut.openJourneys()).toEqual([]);
  });
});
