import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCoreTracer } from "./create-core-tracer.js";
import { simulatedRequest } from "./examples/reference-scheduler.js";
import { CORE_SPAN_NAME } from "./journey-types.js";
import { sweepIntervalMs } from "./journey-watchdog.js";
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

function finishedEvent(span: ReadableSpan) {
  return span.events.find((event) => event.name === "journey.FINISHED");
}

// The watchdog's sweep, its timer and its validation are the layer contract
// (packages/layer-contract); here, what the core's closure records.
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
      ageMs: expect.closeTo(250, 6), // monotonic seconds: a double, exact to a nanosecond
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
});
