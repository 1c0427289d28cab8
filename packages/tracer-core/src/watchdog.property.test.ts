import fc from "fast-check";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCoreTracer } from "./create-core-tracer.js";
import { type SimulatedRequest, simulatedRequest } from "./examples/reference-scheduler.js";
import { CORE_SPAN_NAME, FINISH_STATUSES } from "./journey-types.js";
import { sweepIntervalMs } from "./journey-watchdog.js";
import { assertNoTrackedEntries, createTestTracing } from "./testing/index.js";

const testing = createTestTracing();
afterAll(() => testing.shutdown());
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const MAX_AGE_MS = 500;

/** What a buggy integration does: hooks in any order, some requests never finished. */
const call = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("add" as const) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom("scheduled" as const, "progressed" as const, "preempted" as const),
      pick: fc.nat(),
      computed: fc.integer({ min: 0, max: 20 }),
      output: fc.integer({ min: 0, max: 5 }),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("finished" as const),
      pick: fc.nat(),
      status: fc.constantFrom(...FINISH_STATUSES),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      ms: fc.integer({ min: 1, max: 400 }),
    }),
    weight: 2,
  },
);

describe("core watchdog under random hook sequences", () => {
  it("ends every span once and holds no entry after the watchdog's age, finished or not", () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 80 }), (calls) => {
        testing.reset();
        const core = createCoreTracer({
          tracerProvider: testing.provider,
          maxJourneyAgeMs: MAX_AGE_MS,
          onError: () => {},
        });
        const requests: SimulatedRequest[] = [];
        /** Fake-clock times of each request's add and of its first finish call. */
        const addedAt = new Map<string, number>();
        const finishedAt = new Map<string, number>();
        let step = 0;
        for (const next of calls) {
          step++;
          if (next.kind === "wait") {
            vi.advanceTimersByTime(next.ms);
            continue;
          }
          if (next.kind === "add") {
            const request = simulatedRequest({
              requestId: `r${requests.length}`,
              promptTokens: 20,
              maxTokens: 5,
            });
            requests.push(request);
            addedAt.set(request.requestId, Date.now());
            core.requestAdded(request, step);
            continue;
          }
          const request = requests[next.pick % Math.max(requests.length, 1)];
          if (request === undefined) continue;
          if (next.kind === "finished") {
            if (!finishedAt.has(request.requestId)) finishedAt.set(request.requestId, Date.now());
            core.requestFinished(request, next.status, step);
            continue;
          }
          request.computedTokens = next.computed;
          request.outputTokens = next.output;
          if (next.kind === "scheduled") core.requestScheduled(request, step);
          else if (next.kind === "progressed") core.requestProgressed(request, step);
          else {
            request.preemptions++;
            core.requestPreempted(request, step);
          }
        }
        vi.advanceTimersByTime(MAX_AGE_MS + sweepIntervalMs(MAX_AGE_MS));

        assertNoTrackedEntries(core, "core");
        expect(core.openJourneys()).toEqual([]);
        testing.assertEverySpanEndedOnce();
        const spans = testing.spansNamed(CORE_SPAN_NAME);
        expect(spans).toHaveLength(requests.length);
        let closedByWatchdog = 0;
        for (const span of spans) {
          const requestId = span.attributes["gen_ai.request.id"] as string;
          const finished = span.events.filter((event) => event.name === "journey.FINISHED");
          expect(finished).toHaveLength(1);
          const byWatchdog = finished[0]?.attributes?.["journey.closed_by"] === "watchdog";
          if (byWatchdog) closedByWatchdog++;
          // Closed by whichever came first: the integration's call or the watchdog.
          const lifetime =
            (finishedAt.get(requestId) ?? Number.POSITIVE_INFINITY) -
            (addedAt.get(requestId) as number);
          if (lifetime < MAX_AGE_MS) expect(byWatchdog).toBe(false);
          if (lifetime > MAX_AGE_MS + sweepIntervalMs(MAX_AGE_MS)) expect(byWatchdog).toBe(true);
        }
        expect(core.closedByWatchdog).toBe(closedByWatchdog);
        // The sweep stopped with the last journey: an idle tracer holds no timer.
        vi.advanceTimersByTime(1); // lets the SDK's export of the last ended spans run
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
