import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCoreTracer } from "./create-core-tracer.js";
import { simulatedRequest } from "./examples/reference-scheduler.js";
import { CORE_SPAN_NAME } from "./journey-types.js";
import { sweepIntervalMs } from "./journey-watchdog.js";
import { NOOP_CORE_TRACER } from "./noop-core-tracer.js";
import { assertNoTrackedEntries, createTestTracing, type TestTracing } from "./testing/index.js";

const MAX_AGE_MS = 1_000;
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
  return createCoreTracer({
    tracerProvider: testing.provider,
    sampleRate: 1,
    maxJourneyAgeMs,
    onError: (error, operation) => reported.push(`${operation}: ${(error as Error).message}`),
  });
}

/** Timers left once the SDK's export of ended spans (a 0 ms timeout, so 1 ms) has run. */
function timersWaiting(): number {
  vi.advanceTimersByTime(1);
  return vi.getTimerCount();
}

function finishedEvent(span: ReadableSpan) {
  return span.events.find((event) => event.name === "journey.FINISHED");
}

describe("the core watchdog", () => {
  it("closes a journey left open past maxJourneyAgeMs as aborted by the watchdog", () => {
    const core = watchedTracer();
    const request = simulatedRequest({ requestId: "leaked", promptTokens: 8, maxTokens: 4 });
    core.requestAdded(request, 3);
    core.requestScheduled(request, 4);
    vi.advanceTimersByTime(MAX_AGE_MS - 1);
    expect(core.trackedEntries).toBe(1);

    vi.advanceTimersByTime(sweepIntervalMs(MAX_AGE_MS) + 1);
    const [span] = testing.spansNamed(CORE_SPAN_NAME);
    const finished = finishedEvent(span as ReadableSpan);
    expect(finished?.attributes).toMatchObject({
      "finish.status": "aborted",
      "journey.closed_by": "watchdog",
      "scheduler.step": 4,
    });
    expect(span?.attributes["journey.closed_by"]).toBe("watchdog");
    expect(core.closedByWatchdog).toBe(1);
    expect(reported).toEqual([expect.stringMatching(/^watchdog: .*request leaked.*1000 ms/)]);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });

  it("ignores every later hook for a journey it closed", () => {
    const core = watchedTracer();
    // Marked traced, as by the API layer: its later hooks are not "unknown" either.
    const request = simulatedRequest({
      requestId: "late",
      promptTokens: 8,
      maxTokens: 4,
      traceHeaders: { "x-llm-journey-sampled": "1" },
    });
    core.requestAdded(request, 0);
    vi.advanceTimersByTime(2 * MAX_AGE_MS);
    request.outputTokens = 1;
    core.requestScheduled(request, 9);
    core.requestProgressed(request, 9);
    core.requestPreempted(request, 9);
    core.requestFinished(request, "stopped", 10);

    const [span] = testing.spansNamed(CORE_SPAN_NAME);
    expect(span?.events.map((event) => event.name)).toEqual(["journey.QUEUED", "journey.FINISHED"]);
    // Nothing was called on the ended span, and only the closure itself was reported.
    testing.assertEverySpanEndedOnce();
    expect(reported).toHaveLength(1);
    assertNoTrackedEntries(core, "core");
  });

  it("leaves journeys younger than the limit alone, and finished ones are never touched", () => {
    const core = watchedTracer();
    const done = simulatedRequest({ requestId: "done", promptTokens: 8, maxTokens: 4 });
    core.requestAdded(done, 0);
    core.requestFinished(done, "stopped", 1);
    vi.advanceTimersByTime(MAX_AGE_MS / 2);
    const young = simulatedRequest({ requestId: "young", promptTokens: 8, maxTokens: 4 });
    core.requestAdded(young, 2);
    vi.advanceTimersByTime(MAX_AGE_MS / 2 + sweepIntervalMs(MAX_AGE_MS));

    expect(core.openJourneys().map((journey) => journey.requestId)).toEqual(["young"]);
    expect(core.closedByWatchdog).toBe(0);
    expect(
      finishedEvent(testing.spansNamed(CORE_SPAN_NAME)[0] as ReadableSpan)?.attributes,
    ).not.toHaveProperty("journey.closed_by");
    core.shutdown(3);
  });

  it("runs one timer while journeys are open, none when idle or after shutdown", () => {
    const core = watchedTracer();
    expect(timersWaiting()).toBe(0);
    for (let i = 0; i < 50; i++) {
      core.requestAdded(simulatedRequest({ requestId: `r${i}`, promptTokens: 4, maxTokens: 2 }), i);
    }
    expect(timersWaiting()).toBe(1);
    vi.advanceTimersByTime(2 * MAX_AGE_MS);
    expect(core.trackedEntries).toBe(0);
    expect(timersWaiting()).toBe(0);

    core.requestAdded(simulatedRequest({ requestId: "again", promptTokens: 4, maxTokens: 2 }), 60);
    expect(timersWaiting()).toBe(1);
    core.shutdown(61);
    expect(timersWaiting()).toBe(0);
    testing.assertEverySpanEndedOnce();
  });

  it("is off by default, and 0 turns it off", () => {
    const unwatched = createCoreTracer({ tracerProvider: testing.provider, sampleRate: 1 });
    for (const core of [unwatched, watchedTracer(0)]) {
      core.requestAdded(simulatedRequest({ requestId: "kept", promptTokens: 4, maxTokens: 2 }), 0);
      expect(timersWaiting()).toBe(0);
      vi.advanceTimersByTime(3_600_000);
      expect(core.trackedEntries).toBe(1);
      core.shutdown(1);
    }
  });

  it("rejects a limit that is not a non-negative number of milliseconds at construction", () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, "1000"]) {
      expect(() => createCoreTracer({ maxJourneyAgeMs: bad as number })).toThrow(
        /maxJourneyAgeMs must be a finite number of milliseconds >= 0/,
      );
    }
    // Validated even when tracing is off: the mistake is in the configuration either way.
    expect(() => createCoreTracer({ enabled: false, maxJourneyAgeMs: -5 })).toThrow(RangeError);
  });
});

describe("openJourneys", () => {
  it("lists each open journey with its ids, phase, age, progress, preemptions and last event", () => {
    const core = watchedTracer(0);
    const request = simulatedRequest({ requestId: "live", promptTokens: 10, maxTokens: 6 });
    core.requestAdded(request, 1);
    expect(core.openJourneys()).toMatchObject([
      { requestId: "live", phase: "WAITING", lastEvent: "journey.QUEUED", lastEventStep: 1 },
    ]);
    vi.advanceTimersByTime(250);
    core.requestScheduled(request, 2);
    request.computedTokens = 10;
    request.outputTokens = 3;
    core.requestProgressed(request, 3);
    request.preemptions = 1;
    request.computedTokens = 0;
    core.requestPreempted(request, 4);

    const [journey] = core.openJourneys();
    expect(journey).toEqual({
      requestId: "live",
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      ageMs: 250,
      phase: "WAITING",
      // The high-water mark: recompute after the preemption does not take progress back.
      prefillDoneTokens: 10,
      prefillTotalTokens: 10,
      decodeDoneTokens: 3,
      decodeMaxTokens: 6,
      preemptions: 1,
      lastEvent: "journey.PREEMPTED",
      lastEventStep: 4,
    });
    core.requestFinished(request, "aborted", 5);
    expect(core.openJourneys()).toEqual([]);
  });

  it("lists nothing for the no-op tracer", () => {
    expect(NOOP_CORE_TRACER.openJourneys()).toEqual([]);
    expect(NOOP_CORE_TRACER.closedByWatchdog).toBe(0);
  });
});
