import type { TracingLayer } from "@llm-journey/tracer-core/internal";
import { sweepIntervalMs } from "@llm-journey/tracer-core/internal";
import {
  assertNoTrackedEntries,
  createTestTracing,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LayerSubject } from "./layer-subject.js";

/** A layer that watches its journeys (`maxJourneyAgeMs`) and can list them. */
export interface WatchedLayer extends TracingLayer {
  readonly closedByWatchdog: number;
  openJourneys(): readonly { readonly requestId: string }[];
}

const MAX_AGE_MS = 1_000;

/**
 * The watchdog, the same in every layer that has one: one sweep per tracer, running only
 * while journeys are open, closing each journey past `maxJourneyAgeMs` once, reporting it,
 * and leaving every later call for it harmless. Each layer checks what its closure
 * records on the span in its own tests.
 */
export function describeWatchdog<T extends WatchedLayer>(subject: LayerSubject<T>): void {
  const { name } = subject;
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

  /** `null`: the option is not given. */
  function watched(maxJourneyAgeMs: number | null = MAX_AGE_MS) {
    return subject.create({
      tracerProvider: testing.provider,
      ...(subject.sampled ? { sampleRate: 1 } : {}),
      ...(maxJourneyAgeMs === null ? {} : { maxJourneyAgeMs }),
      onError: (error, operation) => reported.push(`${operation}: ${(error as Error).message}`),
    });
  }

  /** Timers left once the SDK's export of ended spans (a 0 ms timeout, so 1 ms) has run. */
  function timersWaiting(): number {
    vi.advanceTimersByTime(1);
    return vi.getTimerCount();
  }

  describe(`the ${name}'s watchdog`, () => {
    it("closes a journey left open past maxJourneyAgeMs, once, and reports it", () => {
      const tracer = watched();
      subject.open(tracer, "leaked").progress();
      vi.advanceTimersByTime(MAX_AGE_MS - 1);
      expect(tracer.trackedEntries).toBe(1);
      vi.advanceTimersByTime(sweepIntervalMs(MAX_AGE_MS) + 1);
      expect(subject.closedByWatchdog?.(testing)).toEqual(["leaked"]);
      expect(tracer.closedByWatchdog).toBe(1);
      expect(reported).toEqual([
        expect.stringMatching(/^watchdog: .*request leaked.*1000 ms.*closed by the watchdog/),
      ]);
      testing.assertEverySpanEndedOnce();
      assertNoTrackedEntries(tracer, name);
    });

    it("ignores every later call for a journey it closed", () => {
      const tracer = watched();
      const late = subject.open(tracer, "late", { upstreamTraced: true });
      vi.advanceTimersByTime(2 * MAX_AGE_MS);
      const [span] = testing.finishedSpans();
      const events = span?.events.map((event) => event.name);
      late.progress();
      late.finish();
      // Nothing was called on the ended span, and only the closure itself was reported.
      testing.assertEverySpanEndedOnce();
      expect(testing.finishedSpans()).toHaveLength(1);
      expect(span?.events.map((event) => event.name)).toEqual(events);
      expect(reported).toHaveLength(1);
      assertNoTrackedEntries(tracer, name);
    });

    it("closes only the journeys past the limit, and leaves the rest open", () => {
      const tracer = watched();
      subject.open(tracer, "old");
      vi.advanceTimersByTime(MAX_AGE_MS / 2);
      subject.open(tracer, "finished in time").finish();
      subject.open(tracer, "young");
      vi.advanceTimersByTime(MAX_AGE_MS / 2 + sweepIntervalMs(MAX_AGE_MS));
      expect(tracer.openJourneys().map((journey) => journey.requestId)).toEqual(["young"]);
      expect(subject.closedByWatchdog?.(testing)).toEqual(["old"]);
      expect(tracer.closedByWatchdog).toBe(1);
      subject.shutdown(tracer);
      testing.assertEverySpanEndedOnce();
      assertNoTrackedEntries(tracer, name);
    });

    it("runs one timer while journeys are open, none when idle or after shutdown", () => {
      const tracer = watched();
      expect(timersWaiting()).toBe(0);
      for (let i = 0; i < 50; i++) subject.open(tracer, `r${i}`);
      expect(timersWaiting()).toBe(1);
      vi.advanceTimersByTime(2 * MAX_AGE_MS);
      expect(tracer.trackedEntries).toBe(0);
      expect(timersWaiting()).toBe(0);

      subject.open(tracer, "again");
      expect(timersWaiting()).toBe(1);
      subject.shutdown(tracer);
      expect(timersWaiting()).toBe(0);
      testing.assertEverySpanEndedOnce();
    });

    it("is off by default, and 0 turns it off", () => {
      for (const tracer of [watched(null), watched(0)]) {
        subject.open(tracer, "kept");
        expect(timersWaiting()).toBe(0);
        vi.advanceTimersByTime(3_600_000);
        expect(tracer.trackedEntries).toBe(1);
        subject.shutdown(tracer);
      }
    });

    it("rejects a limit that is not a non-negative number of milliseconds at construction", () => {
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, "1000"]) {
        expect(() => subject.create({ maxJourneyAgeMs: bad as number })).toThrow(
          /maxJourneyAgeMs must be a finite number of milliseconds >= 0/,
        );
      }
      // Validated even when tracing is off: the mistake is in the configuration either way.
      expect(() => subject.create({ enabled: false, maxJourneyAgeMs: -5 })).toThrow(RangeError);
    });

    it("lists nothing and closes nothing on the no-op", () => {
      const off = subject.create({ enabled: false, maxJourneyAgeMs: MAX_AGE_MS });
      expect(off).toBe(subject.noop);
      subject.open(off, "r");
      expect(off.openJourneys()).toEqual([]);
      expect(timersWaiting()).toBe(0);
      expect(off.closedByWatchdog).toBe(0);
    });
  });
}
