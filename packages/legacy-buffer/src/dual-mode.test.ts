import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DualModeHarness, spanOf } from "./test-support/dual-mode-harness.js";
import { type LoopShape, testRequest } from "./test-support/mini-scheduler.js";

/**
 * The stated tolerance: latencies and `ts.monotonic` agree within 1 ms. Both streams read
 * the same monotonic clock in the same hook call, microseconds apart, so this holds in a
 * real server. In these tests every clock (the monotonic one, `performance.now()` and
 * `Date.now()`, which the OpenTelemetry SDK reads) is one deterministic stand-in that
 * moves 1 µs per reading and 5 ms per engine step, so the comparison cannot flake on a
 * loaded machine, and a latency taken from the wrong milestone misses by a whole step.
 */
const TOLERANCE_S = 0.001;
const STEP_NANOS = 5_000_000;
/**
 * Absolute event times: each stream maps clock readings to span times through one
 * `Date.now()` reading (1 ms resolution), so the two time bases may differ by up to 1 ms.
 */
const CLOCK_BASE_TOLERANCE_NS = 1_000_000;

const LATENCIES = [
  "gen_ai.latency.time_in_queue",
  "gen_ai.latency.time_in_model_prefill",
  "gen_ai.latency.time_in_model_decode",
  "gen_ai.latency.time_in_model_inference",
];

// Three prompts fit, not with their outputs: the newest running request is evicted and resumed.
const CROWDED: LoopShape = { maxRunning: 3, prefillChunk: 8, kvCapacityTokens: 70 };
const CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN_ID = "00f067aa0ba902b7";

let harness: DualModeHarness | undefined;
afterEach(() => {
  vi.restoreAllMocks();
  return harness?.testing.shutdown();
});

/**
 * Replaces the clocks both streams read: the process-wide monotonic clock of tracer-core
 * and this package, and the wall and performance clocks the SDK stamps spans with.
 */
function deterministicClock(): { step(): void } {
  let nanos = 1_000_000_000_000;
  const epochMillis = Date.now();
  const origin = performance.timeOrigin;
  const tick = () => {
    nanos += 1_000;
    return nanos;
  };
  vi.spyOn(process.hrtime, "bigint").mockImplementation(() => BigInt(tick()));
  vi.spyOn(performance, "now").mockImplementation(() => epochMillis - origin + tick() / 1e6);
  vi.spyOn(Date, "now").mockImplementation(() => Math.floor(epochMillis + tick() / 1e6));
  return {
    step: () => {
      nanos += STEP_NANOS;
    },
  };
}

function dualRun(): DualModeHarness {
  const clock = deterministicClock();
  harness = new DualModeHarness({ shape: CROWDED, beforeStep: clock.step });
  const specs = [
    { promptTokens: 20, maxTokens: 12 },
    { promptTokens: 16, maxTokens: 20, stopAfter: 9 },
    { promptTokens: 24, maxTokens: 10 },
    { promptTokens: 8, maxTokens: 6 },
    { promptTokens: 30, maxTokens: 4 },
  ];
  specs.forEach((spec, i) => {
    harness?.submit(
      testRequest({
        requestId: `req-${i}`,
        ...spec,
        traceHeaders: { traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` },
      }),
    );
  });
  harness.runToIdle();
  return harness;
}

function nanos(time: readonly [number, number]): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

function eventNames(span: ReadableSpan): string[] {
  return span.events.map((event) => event.name);
}

describe("dual mode: the same journey in both streams", () => {
  it("gives every request an llm_core span and a legacy llm_request span with the same events", () => {
    const run = dualRun();
    const core = run.coreSpans();
    expect(core).toHaveLength(5);
    expect(run.legacySpans()).toHaveLength(5);
    // The scenario must exercise a preemption and a resume, or the comparison proves little.
    expect(core.flatMap(eventNames)).toContain("journey.PREEMPTED");
    for (const coreSpan of core) {
      const id = coreSpan.attributes["gen_ai.request.id"] as string;
      const legacy = spanOf(run.legacySpans(), id);
      expect(eventNames(legacy), id).toEqual(eventNames(coreSpan));
      coreSpan.events.forEach((coreEvent, i) => {
        const { "ts.monotonic": coreTs, ...coreRest } = coreEvent.attributes ?? {};
        const { "ts.monotonic": legacyTs, ...legacyRest } = legacy.events[i]?.attributes ?? {};
        expect(legacyRest, `${id} ${coreEvent.name}`).toEqual(coreRest);
        expect(Math.abs((legacyTs as number) - (coreTs as number))).toBeLessThan(TOLERANCE_S);
      });
    }
    run.assertNothingLeft();
  });

  it("reports latencies that agree with the core span's within 1 ms", () => {
    const run = dualRun();
    for (const coreSpan of run.coreSpans()) {
      const id = coreSpan.attributes["gen_ai.request.id"] as string;
      const legacy = spanOf(run.legacySpans(), id);
      for (const key of LATENCIES) {
        const expected = coreSpan.attributes[key];
        expect(typeof expected, `${id} ${key} on llm_core`).toBe("number");
        expect(Math.abs((legacy.attributes[key] as number) - (expected as number))).toBeLessThan(
          TOLERANCE_S,
        );
      }
      expect(legacy.attributes.num_preemptions).toBe(coreSpan.attributes.num_preemptions);
    }
  });

  it("stamps each event with its original time, on the same time base as the core span", () => {
    const run = dualRun();
    for (const coreSpan of run.coreSpans()) {
      const legacy = spanOf(run.legacySpans(), coreSpan.attributes["gen_ai.request.id"] as string);
      const first = legacy.events[0];
      if (first === undefined) throw new Error("no events");
      const firstTs = first.attributes?.["ts.monotonic"] as number;
      legacy.events.forEach((event, i) => {
        const ts = event.attributes?.["ts.monotonic"] as number;
        // Intervals on the span are exactly the monotonic intervals (to the microsecond).
        const interval = Number(nanos(event.time) - nanos(first.time));
        expect(Math.abs(interval - (ts - firstTs) * 1e9)).toBeLessThanOrEqual(1_000);
        // Each stream maps its monotonic reading to the same wall-clock position.
        const coreEvent = coreSpan.events[i];
        const coreTs = coreEvent?.attributes?.["ts.monotonic"] as number;
        const legacyBase = Number(nanos(event.time)) - ts * 1e9;
        const coreBase = Number(nanos(coreEvent?.time ?? [0, 0])) - coreTs * 1e9;
        expect(Math.abs(legacyBase - coreBase)).toBeLessThan(CLOCK_BASE_TOLERANCE_NS);
      });
    }
  });

  it("is a SERVER llm_request span in the llm-journey.legacy scope from arrival to completion", () => {
    const run = dualRun();
    for (const legacy of run.legacySpans()) {
      expect(legacy.kind).toBe(SpanKind.SERVER);
      expect(legacy.instrumentationScope.name).toBe("llm-journey.legacy");
      expect(legacy.status.code).toBe(SpanStatusCode.UNSET);
      const start = nanos(legacy.startTime);
      const end = nanos(legacy.endTime);
      for (const event of legacy.events) {
        expect(nanos(event.time)).toBeGreaterThanOrEqual(start);
        expect(nanos(event.time)).toBeLessThanOrEqual(end);
      }
      const e2e = legacy.attributes["gen_ai.latency.e2e"] as number;
      expect(Math.abs(e2e * 1e9 - Number(end - start))).toBeLessThanOrEqual(1_000);
      const firstToken = legacy.events.find((event) => event.name === "journey.FIRST_TOKEN");
      const ttft = legacy.attributes["gen_ai.latency.time_to_first_token"] as number;
      expect(Math.abs(ttft * 1e9 - Number(nanos(firstToken?.time ?? [0, 0]) - start))).toBeLessThan(
        1_000,
      );
    }
  });

  it("sits in the client's trace beside llm_core, as a child of the context in the trace headers", () => {
    const run = dualRun();
    for (const legacy of run.legacySpans()) {
      const core = spanOf(run.coreSpans(), legacy.attributes["gen_ai.request.id"] as string);
      expect(legacy.spanContext().traceId).toBe(CLIENT_TRACE_ID);
      expect(core.spanContext().traceId).toBe(CLIENT_TRACE_ID);
      expect(legacy.parentSpanContext?.spanId).toBe(CLIENT_SPAN_ID);
    }
  });

  it("is a root span when the request carries no trace context", () => {
    harness = new DualModeHarness({ shape: CROWDED });
    harness.submit(testRequest({ requestId: "r", promptTokens: 4, maxTokens: 2 }));
    harness.runToIdle();
    const [legacy] = harness.legacySpans();
    expect(legacy?.parentSpanContext).toBeUndefined();
    harness.assertNothingLeft();
  });

  // A budget of 3 drops FIRST_TOKEN itself; 4 drops the preemptions after it.
  it.each([3, 4])(
    "keeps the same events as the core span when a journey overflows a budget of %i",
    (max) => {
      const budget = { maxEventsPerSpan: max };
      const clock = deterministicClock();
      harness = new DualModeHarness({
        shape: CROWDED,
        core: budget,
        recorder: budget,
        builder: budget,
        beforeStep: clock.step,
      });
      const specs = [
        { promptTokens: 20, maxTokens: 12 },
        { promptTokens: 16, maxTokens: 20 },
        { promptTokens: 24, maxTokens: 10 },
      ];
      for (const [i, spec] of specs.entries()) {
        harness.submit(testRequest({ requestId: `r${i}`, ...spec }));
      }
      harness.runToIdle();
      let overflowed = 0;
      for (const coreSpan of harness.coreSpans()) {
        const id = coreSpan.attributes["gen_ai.request.id"] as string;
        const legacy = spanOf(harness.legacySpans(), id);
        expect(eventNames(legacy), id).toEqual(eventNames(coreSpan));
        expect(legacy.events.length).toBeLessThanOrEqual(max);
        expect(legacy.attributes["journey.dropped_events"]).toBe(
          coreSpan.attributes["journey.dropped_events"],
        );
        for (const key of LATENCIES) {
          expect(
            Math.abs((legacy.attributes[key] as number) - (coreSpan.attributes[key] as number)),
          ).toBeLessThan(TOLERANCE_S);
        }
        if (coreSpan.attributes["journey.dropped_events"] !== undefined) overflowed++;
      }
      expect(overflowed).toBeGreaterThan(0);
      harness.assertNothingLeft();
    },
  );
});
