import { sweepIntervalMs } from "@llm-journey/tracer-core/internal";
import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import fc from "fast-check";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ABORT_REASONS } from "./abort-reason.js";
import { createApiTracer } from "./create-api-tracer.js";
import type { JourneyHandle } from "./journey-handle.js";

const testing = createTestTracing();
afterAll(() => testing.shutdown());
beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const MAX_AGE_MS = 500;

/** What a buggy integration does: calls in any order, some handles dropped unclosed. */
const call = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("start" as const) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom("handoff" as const, "firstResponse" as const, "usage" as const),
      pick: fc.nat(),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("close" as const),
      pick: fc.nat(),
      // The integration's own reasons: "watchdog" marks the watchdog's closures below.
      reason: fc.option(fc.constantFrom(...ABORT_REASONS.filter((r) => r !== "watchdog")), {
        nil: undefined,
      }),
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

describe("API watchdog under random call sequences", () => {
  it("ends every span once and holds no handle after the watchdog's age, closed or not", () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 80 }), (calls) => {
        testing.reset();
        const api = createApiTracer({
          tracerProvider: testing.provider,
          maxJourneyAgeMs: MAX_AGE_MS,
          onError: () => {},
        });
        const handles: JourneyHandle[] = [];
        const startedAt = new Map<string, number>();
        const closedAt = new Map<string, number>();
        for (const next of calls) {
          if (next.kind === "wait") {
            vi.advanceTimersByTime(next.ms);
            continue;
          }
          if (next.kind === "start") {
            const requestId = `r${handles.length}`;
            startedAt.set(requestId, Date.now());
            handles.push(api.startJourney({ requestId }));
            continue;
          }
          const index = next.pick % Math.max(handles.length, 1);
          const handle = handles[index];
          if (handle === undefined) continue;
          if (next.kind === "handoff") handle.handoffToCore();
          else if (next.kind === "firstResponse") handle.firstResponse();
          else if (next.kind === "usage") handle.setUsage({ outputTokens: 1 });
          else if (next.kind === "close") {
            if (!closedAt.has(`r${index}`)) closedAt.set(`r${index}`, Date.now());
            if (next.reason === undefined) handle.departed();
            else handle.aborted(next.reason);
          }
        }
        vi.advanceTimersByTime(MAX_AGE_MS + sweepIntervalMs(MAX_AGE_MS));

        assertNoTrackedEntries(api, "api");
        expect(api.openJourneys()).toEqual([]);
        testing.assertEverySpanEndedOnce();
        const spans = testing.spansNamed("llm_request");
        expect(spans).toHaveLength(handles.length);
        let closedByWatchdog = 0;
        for (const span of spans) {
          const requestId = span.attributes["gen_ai.request.id"] as string;
          const terminal = span.events.filter(
            (event) => event.name === "api.DEPARTED" || event.name === "api.ABORTED",
          );
          expect(terminal).toHaveLength(1);
          expect(span.events.at(-1)).toBe(terminal[0]);
          const byWatchdog = terminal[0]?.attributes?.reason === "watchdog";
          if (byWatchdog) closedByWatchdog++;
          // Closed by whichever came first: the integration's call or the watchdog.
          const lifetime =
            (closedAt.get(requestId) ?? Number.POSITIVE_INFINITY) -
            (startedAt.get(requestId) as number);
          if (lifetime < MAX_AGE_MS) expect(byWatchdog).toBe(false);
          if (lifetime > MAX_AGE_MS + sweepIntervalMs(MAX_AGE_MS)) expect(byWatchdog).toBe(true);
        }
        expect(api.closedByWatchdog).toBe(closedByWatchdog);
        vi.advanceTimersByTime(1); // lets the SDK's export of the last ended spans run
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
