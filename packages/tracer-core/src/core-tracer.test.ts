import { type HrTime, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreJourneyTracer } from "./core-tracer.js";
import { createCoreTracer } from "./create-core-tracer.js";
import {
  ReferenceScheduler,
  type SchedulerShape,
  type SimulatedRequest,
  simulatedRequest,
} from "./examples/reference-scheduler.js";
import { CORE_SPAN_NAME, CORE_TRACER_SCOPE, type FinishStatus } from "./journey-types.js";
import { NOOP_CORE_TRACER } from "./noop-core-tracer.js";
import {
  assertNoTrackedEntries,
  createTestTracing,
  createThrowingTracerProvider,
  type TestTracing,
} from "./testing/index.js";

const ROOMY: SchedulerShape = { maxRunning: 8, tokenBudget: 64, kvCapacityTokens: 10_000 };
const CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN_ID = "00f067aa0ba902b7";

let testing: TestTracing;
let tracer: CoreJourneyTracer;

beforeEach(() => {
  testing = createTestTracing();
  tracer = createCoreTracer({ tracerProvider: testing.provider, onError: () => {} });
});
afterEach(() => testing.shutdown());

function runToIdle(scheduler: ReferenceScheduler, maxSteps = 10_000): void {
  for (let i = 0; i < maxSteps && !scheduler.idle; i++) scheduler.runStep();
  expect(scheduler.idle).toBe(true);
}

function onlyCoreSpan(): ReadableSpan {
  const spans = testing.spansNamed(CORE_SPAN_NAME);
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

function eventNames(span: ReadableSpan): string[] {
  return span.events.map((event) => event.name);
}

function finishedStatuses(span: ReadableSpan): unknown[] {
  return span.events
    .filter((event) => event.name === "journey.FINISHED")
    .map((event) => event.attributes?.["finish.status"]);
}

function expectCleanlyFinished(status: FinishStatus): ReadableSpan {
  const span = onlyCoreSpan();
  expect(finishedStatuses(span)).toEqual([status]);
  testing.assertEverySpanEndedOnce();
  assertNoTrackedEntries(tracer, "core");
  return span;
}

describe("core termination paths", () => {
  it("ends the span once with finish.status=stopped when a stop sequence matches", () => {
    const scheduler = new ReferenceScheduler(tracer, ROOMY);
    scheduler.add(
      simulatedRequest({ requestId: "r1", promptTokens: 10, maxTokens: 50, stopAfter: 3 }),
    );
    runToIdle(scheduler);
    const span = expectCleanlyFinished("stopped");
    expect(eventNames(span)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FIRST_TOKEN",
      "journey.FINISHED",
    ]);
  });

  it("ends the span once with finish.status=length at max_tokens", () => {
    const scheduler = new ReferenceScheduler(tracer, ROOMY);
    scheduler.add(simulatedRequest({ requestId: "r1", promptTokens: 10, maxTokens: 4 }));
    runToIdle(scheduler);
    const span = expectCleanlyFinished("length");
    const finished = span.events.at(-1);
    expect(finished?.attributes?.["decode.done_tokens"]).toBe(4);
    expect(finished?.attributes?.["decode.max_tokens"]).toBe(4);
  });

  it("ends the span once with finish.status=aborted on an explicit abort, waiting or running", () => {
    const scheduler = new ReferenceScheduler(tracer, { ...ROOMY, maxRunning: 1 });
    scheduler.add(simulatedRequest({ requestId: "running", promptTokens: 10, maxTokens: 100 }));
    scheduler.add(simulatedRequest({ requestId: "waiting", promptTokens: 10, maxTokens: 100 }));
    scheduler.runStep();
    scheduler.abort("running");
    scheduler.abort("waiting");
    scheduler.abort("waiting"); // a second abort is harmless
    const statuses = testing.spansNamed(CORE_SPAN_NAME).flatMap(finishedStatuses);
    expect(statuses).toEqual(["aborted", "aborted"]);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(tracer, "core");
  });

  it("ends the span once with finish.status=error when the completion path throws", () => {
    const scheduler = new ReferenceScheduler(tracer, ROOMY, (request) => request.outputTokens >= 2);
    scheduler.add(simulatedRequest({ requestId: "r1", promptTokens: 10, maxTokens: 50 }));
    runToIdle(scheduler);
    expectCleanlyFinished("error");
  });

  it("ends every in-flight span with finish.status=aborted on engine shutdown", () => {
    const scheduler = new ReferenceScheduler(tracer, { ...ROOMY, maxRunning: 2 });
    for (const id of ["a", "b", "c"]) {
      scheduler.add(simulatedRequest({ requestId: id, promptTokens: 10, maxTokens: 100 }));
    }
    scheduler.runStep();
    expect(tracer.activeSpans).toBe(3);
    scheduler.shutdown();
    const spans = testing.spansNamed(CORE_SPAN_NAME);
    expect(spans.flatMap(finishedStatuses)).toEqual(["aborted", "aborted", "aborted"]);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(tracer, "core");
  });

  it("finishes a request given as its view as it does given its id", () => {
    const request = simulatedRequest({ requestId: "r1", promptTokens: 4, maxTokens: 4 });
    tracer.requestAdded(request, 0);
    tracer.requestFinished(request, "stopped", 1);
    tracer.requestFinished("r1", "error", 2);
    expectCleanlyFinished("stopped");
  });

  it("treats a second requestFinished for the same request as a no-op", () => {
    const request = simulatedRequest({ requestId: "r1", promptTokens: 4, maxTokens: 4 });
    tracer.requestAdded(request, 0);
    tracer.requestFinished("r1", "stopped", 1);
    tracer.requestFinished("r1", "error", 2);
    expectCleanlyFinished("stopped");
  });
});

describe("core span shape", () => {
  it("is an INTERNAL llm_core span in the scheduler scope carrying gen_ai.request.id", () => {
    const scheduler = new ReferenceScheduler(tracer, ROOMY);
    scheduler.add(simulatedRequest({ requestId: "req-42", promptTokens: 5, maxTokens: 2 }));
    runToIdle(scheduler);
    const span = onlyCoreSpan();
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.instrumentationScope.name).toBe(CORE_TRACER_SCOPE);
    expect(span.attributes["gen_ai.request.id"]).toBe("req-42");
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("times its start, events and end on its events' ts.monotonic, from the wall clock at its start", () => {
    const before = Date.now();
    const scheduler = new ReferenceScheduler(tracer, ROOMY);
    scheduler.add(simulatedRequest({ requestId: "r", promptTokens: 12, maxTokens: 3 }));
    runToIdle(scheduler);
    const after = Date.now();
    const span = onlyCoreSpan();
    const nanos = ([seconds, fraction]: HrTime) =>
      BigInt(seconds) * 1_000_000_000n + BigInt(fraction);
    const start = nanos(span.startTime);
    expect(Number(start / 1_000_000n)).toBeGreaterThanOrEqual(before);
    expect(Number(start / 1_000_000n)).toBeLessThanOrEqual(after);
    const ts = (index: number) => span.events.at(index)?.attributes?.["ts.monotonic"] as number;
    const sinceQueued = (index: number) => (ts(index) - ts(0)) * 1e9;
    expect(span.events.length).toBeGreaterThan(3);
    span.events.forEach((event, i) => {
      expect(Math.abs(Number(nanos(event.time) - start) - sinceQueued(i))).toBeLessThanOrEqual(10);
    });
    expect(Math.abs(Number(nanos(span.endTime) - start) - sinceQueued(-1))).toBeLessThanOrEqual(10);
  });

  it("puts every SPEC attribute on every event, with a monotonic timestamp and the step", () => {
    const scheduler = new ReferenceScheduler(tracer, ROOMY);
    scheduler.add(simulatedRequest({ requestId: "r", promptTokens: 12, maxTokens: 3 }));
    runToIdle(scheduler);
    const span = onlyCoreSpan();
    let lastTs = 0;
    for (const event of span.events) {
      const attributes = event.attributes ?? {};
      expect(attributes["event.type"]).toBe(event.name.replace("journey.", ""));
      for (const key of [
        "ts.monotonic",
        "scheduler.step",
        "prefill.done_tokens",
        "prefill.total_tokens",
        "decode.done_tokens",
        "decode.max_tokens",
        "num_preemptions",
      ]) {
        expect(typeof attributes[key], key).toBe("number");
      }
      expect(["WAITING", "PREFILL", "DECODE"]).toContain(attributes.phase);
      expect(attributes["ts.monotonic"] as number).toBeGreaterThanOrEqual(lastTs);
      lastTs = attributes["ts.monotonic"] as number;
    }
    const [queued, scheduled, firstToken] = span.events;
    expect(queued?.attributes?.phase).toBe("WAITING");
    expect(scheduled?.attributes?.["schedule.kind"]).toBe("FIRST");
    expect(scheduled?.attributes?.phase).toBe("PREFILL");
    expect(firstToken?.attributes?.phase).toBe("DECODE");
    expect(firstToken?.attributes?.["prefill.done_tokens"]).toBe(12);
    expect(span.attributes["gen_ai.latency.time_in_queue"]).toBeGreaterThanOrEqual(0);
    expect(span.attributes["gen_ai.latency.time_in_model_decode"]).toBeGreaterThanOrEqual(0);
  });

  it("records a preemption, a RESUME and a prefill high-water mark that never goes back", () => {
    // Both prompts fit, but not with their outputs: the newest is preempted, then resumed.
    const scheduler = new ReferenceScheduler(tracer, {
      maxRunning: 2,
      tokenBudget: 64,
      kvCapacityTokens: 52,
    });
    scheduler.add(simulatedRequest({ requestId: "old", promptTokens: 24, maxTokens: 8 }));
    scheduler.add(simulatedRequest({ requestId: "new", promptTokens: 24, maxTokens: 8 }));
    runToIdle(scheduler);
    const victim = testing
      .spansNamed(CORE_SPAN_NAME)
      .find((span) => span.attributes["gen_ai.request.id"] === "new") as ReadableSpan;
    const names = eventNames(victim);
    const preemptedAt = names.indexOf("journey.PREEMPTED");
    expect(preemptedAt).toBeGreaterThan(0);
    expect(names[preemptedAt + 1]).toBe("journey.SCHEDULED");
    expect(victim.events[preemptedAt + 1]?.attributes?.["schedule.kind"]).toBe("RESUME");
    expect(victim.events[preemptedAt]?.attributes?.phase).toBe("WAITING");
    const progress = victim.events.map(
      (event) => event.attributes?.["prefill.done_tokens"] as number,
    );
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const finished = victim.events.at(-1);
    expect(finished?.attributes?.num_preemptions).toBe(
      names.filter((n) => n === "journey.PREEMPTED").length,
    );
    expect(names.filter((n) => n === "journey.FIRST_TOKEN")).toHaveLength(1);
  });
});

describe("a request preempted hundreds of times", () => {
  it("keeps its first events and its FINISHED within the SDK's default event limit", () => {
    const request = simulatedRequest({ requestId: "r", promptTokens: 8, maxTokens: 4 });
    tracer.requestAdded(request, 0);
    for (let i = 1; i <= 500; i++) {
      tracer.requestScheduled(request, i);
      request.computedTokens = 8;
      tracer.requestProgressed(request, i);
      request.computedTokens = 0;
      request.preemptions++;
      tracer.requestPreempted(request, i);
    }
    tracer.requestFinished("r", "length", 501);
    const span = onlyCoreSpan();
    expect(span.events.length).toBeLessThanOrEqual(128);
    expect(span.droppedEventsCount).toBe(0);
    expect(span.events[0]?.name).toBe("journey.QUEUED");
    expect(span.events.at(-1)?.name).toBe("journey.FINISHED");
    expect(span.events.at(-1)?.attributes?.num_preemptions).toBe(500);
    const emitted = span.events.length - 1;
    expect(span.attributes["journey.dropped_events"]).toBe(1 + 500 * 2 - emitted);
    assertNoTrackedEntries(tracer, "core");
  });

  it("honours a smaller maxEventsPerSpan matched to the SDK's eventCountLimit", async () => {
    const small = createTestTracing({ spanLimits: { eventCountLimit: 4 } });
    const core = createCoreTracer({
      tracerProvider: small.provider,
      sampleRate: 1,
      maxEventsPerSpan: 4,
    });
    const request = simulatedRequest({ requestId: "r", promptTokens: 8, maxTokens: 4 });
    core.requestAdded(request, 0);
    for (let i = 1; i <= 10; i++) {
      request.preemptions++;
      core.requestScheduled(request, i);
      core.requestPreempted(request, i);
    }
    core.requestFinished("r", "aborted", 11);
    const [span] = small.spansNamed(CORE_SPAN_NAME);
    expect(span?.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.PREEMPTED",
      "journey.FINISHED",
    ]);
    await small.shutdown();
  });
});

describe("trace context", () => {
  it("makes llm_core a child of the traceparent in the request's headers", () => {
    const traceHeaders = { traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` };
    tracer.requestAdded(
      simulatedRequest({ requestId: "r", promptTokens: 1, maxTokens: 1, traceHeaders }),
      0,
    );
    tracer.requestFinished("r", "stopped", 1);
    const span = onlyCoreSpan();
    expect(span.spanContext().traceId).toBe(CLIENT_TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(CLIENT_SPAN_ID);
  });

  it("starts a root span without error when the traceparent is invalid", () => {
    const traceHeaders = { traceparent: "00-not-a-trace-01" };
    const errors: unknown[] = [];
    const core = createCoreTracer({
      tracerProvider: testing.provider,
      sampleRate: 1,
      onError: (e) => errors.push(e),
    });
    core.requestAdded(
      simulatedRequest({ requestId: "r", promptTokens: 1, maxTokens: 1, traceHeaders }),
      0,
    );
    core.requestFinished("r", "stopped", 1);
    expect(onlyCoreSpan().parentSpanContext).toBeUndefined();
    expect(errors).toEqual([]);
  });
});

describe("sampling", () => {
  function addAndFinish(core: CoreJourneyTracer, id: string, sampled?: string): void {
    const traceHeaders = sampled === undefined ? {} : { "x-llm-journey-sampled": sampled };
    core.requestAdded(
      simulatedRequest({ requestId: id, promptTokens: 1, maxTokens: 1, traceHeaders }),
      0,
    );
    if (sampled === "0") expect(core.trackedEntries).toBe(0);
    core.requestFinished(id, "stopped", 1);
  }

  it("traces nothing and keeps no state for x-llm-journey-sampled: 0", () => {
    addAndFinish(tracer, "r", "0");
    expect(testing.finishedSpans()).toHaveLength(0);
  });

  it("gives untraced requests in the same batch no events and leaves the traced one whole", () => {
    const request = (requestId: string, traceHeaders: Record<string, string>) =>
      simulatedRequest({ requestId, promptTokens: 2, maxTokens: 2, traceHeaders });
    const traced = request("t", { "x-llm-journey-sampled": "1" });
    const batch = [
      traced,
      request("u", { "x-llm-journey-sampled": "0" }),
      request("v", { "X-LLM-Journey-Sampled": " 0" }),
    ];
    for (const r of batch) tracer.requestAdded(r, 0);
    expect(tracer.trackedEntries).toBe(1);
    for (const r of batch) tracer.requestScheduled(r, 1);
    for (const r of batch) {
      r.computedTokens = 2;
      r.outputTokens = 1;
      tracer.requestProgressed(r, 1);
    }
    for (const r of batch) tracer.requestPreempted(r, 2);
    for (const r of batch) tracer.requestScheduled(r, 3);
    for (const r of batch) tracer.requestFinished(r, "stopped", 4);
    expect(eventNames(onlyCoreSpan())).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FIRST_TOKEN",
      "journey.PREEMPTED",
      "journey.SCHEDULED",
      "journey.FINISHED",
    ]);
    expect(onlyCoreSpan().attributes["gen_ai.request.id"]).toBe(traced.requestId);
    expectCleanlyFinished("stopped");
  });

  it("traces x-llm-journey-sampled: 1 even when the core's own rate is 0", () => {
    const core = createCoreTracer({ tracerProvider: testing.provider, sampleRate: 0 });
    addAndFinish(core, "r", "1");
    expect(testing.spansNamed(CORE_SPAN_NAME)).toHaveLength(1);
  });

  it("applies the core's own rate when the header is absent", () => {
    const never = createCoreTracer({ tracerProvider: testing.provider, sampleRate: 0 });
    const always = createCoreTracer({ tracerProvider: testing.provider, sampleRate: 1 });
    addAndFinish(never, "a");
    expect(testing.finishedSpans()).toHaveLength(0);
    addAndFinish(always, "b");
    expect(testing.finishedSpans()).toHaveLength(1);
  });

  it("samples about the configured share of requests without the header", () => {
    const core = createCoreTracer({ tracerProvider: testing.provider, sampleRate: 0.25 });
    for (let i = 0; i < 4000; i++) addAndFinish(core, `r${i}`);
    const share = testing.finishedSpans().length / 4000;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.3);
  });
});

describe("tracing off", () => {
  function runWorkload(core: CoreJourneyTracer): SimulatedRequest[] {
    const scheduler = new ReferenceScheduler(core, {
      maxRunning: 4,
      tokenBudget: 16,
      kvCapacityTokens: 60,
    });
    const requests = Array.from({ length: 12 }, (_, i) =>
      simulatedRequest({
        requestId: `r${i}`,
        promptTokens: 10 + i,
        maxTokens: 6 + (i % 3),
        stopAfter: i % 4 === 0 ? 3 : undefined,
      }),
    );
    for (const request of requests) scheduler.add(request);
    scheduler.runStep();
    scheduler.abort("r11");
    runToIdle(scheduler);
    return requests;
  }

  it("uses the shared no-op when disabled: no span, no tracked entry", () => {
    const core = createCoreTracer({ enabled: false, tracerProvider: testing.provider });
    expect(core).toBe(NOOP_CORE_TRACER);
    runWorkload(core);
    expect(testing.finishedSpans()).toHaveLength(0);
    expect(testing.openSpanCount()).toBe(0);
    assertNoTrackedEntries(core, "core");
  });

  it("yields the no-op and reports once when acquiring the tracer fails", () => {
    const errors: string[] = [];
    const core = createCoreTracer({
      tracerProvider: {
        getTracer: () => {
          throw new Error("boom");
        },
      },
      onError: (_error, operation) => errors.push(operation),
    });
    expect(core).toBe(NOOP_CORE_TRACER);
    expect(errors).toEqual(["createCoreTracer"]);
  });

  it("rejects invalid options at construction with a message naming the option", () => {
    expect(() => createCoreTracer({ sampleRate: 1.5 })).toThrow(
      /sampleRate must be a number in \[0, 1\]/,
    );
    expect(() => createCoreTracer({ sampleRate: Number.NaN })).toThrow(/sampleRate/);
    expect(() => createCoreTracer({ maxEventsPerSpan: 1 })).toThrow(/maxEventsPerSpan/);
  });

  it("completes every request unchanged when every span method throws", () => {
    const errors: string[] = [];
    const broken = createCoreTracer({
      tracerProvider: createThrowingTracerProvider(),
      onError: (_error, operation) => errors.push(operation),
    });
    const traced = runWorkload(broken);
    const untraced = runWorkload(NOOP_CORE_TRACER);
    expect(traced).toEqual(untraced);
    expect(errors.length).toBeGreaterThan(0);
    assertNoTrackedEntries(broken, "core");
  });
});

describe("a request view that throws", () => {
  it("still ends the span and never throws into the scheduler", () => {
    const request = simulatedRequest({ requestId: "r", promptTokens: 4, maxTokens: 4 });
    tracer.requestAdded(request, 0);
    const broken = new Proxy(request, {
      get(target, key) {
        if (key === "requestId") return target.requestId;
        throw new Error("view unavailable");
      },
    });
    expect(() => tracer.requestScheduled(broken, 1)).not.toThrow();
    const noId = new Proxy(request, {
      get: () => {
        throw new Error("no id");
      },
    });
    expect(() => tracer.requestProgressed(noId, 1)).not.toThrow();
    tracer.requestFinished("r", "stopped", 2);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(tracer, "core");
  });
});

describe("the latencies requestFinished returns", () => {
  /** Latencies are kept to the microsecond: within one of the events' clock readings. */
  const expectMicroseconds = (latency: number | undefined, seconds: number) => {
    expect(latency).toBeDefined();
    expect(Math.abs((latency as number) - seconds)).toBeLessThanOrEqual(1e-6);
    const micros = (latency as number) * 1e6;
    expect(Math.abs(micros - Math.round(micros))).toBeLessThan(1e-6);
  };

  function latencyAttributes(span: ReadableSpan) {
    const a = span.attributes;
    const pick = (key: string) => a[`gen_ai.latency.${key}`];
    return {
      timeInQueue: pick("time_in_queue"),
      prefill: pick("time_in_model_prefill"),
      decode: pick("time_in_model_decode"),
    };
  }

  it("are exactly those recorded on llm_core, for a request that was preempted and resumed", () => {
    const scheduler = new ReferenceScheduler(tracer, {
      maxRunning: 2,
      tokenBudget: 64,
      kvCapacityTokens: 52,
    });
    const returned = new Map<string, unknown>();
    scheduler.add(simulatedRequest({ requestId: "old", promptTokens: 24, maxTokens: 8 }));
    scheduler.add(simulatedRequest({ requestId: "new", promptTokens: 24, maxTokens: 8 }));
    while (!scheduler.idle) {
      for (const done of scheduler.runStep()) returned.set(done.requestId, done.latencies);
    }
    const spans = testing.spansNamed(CORE_SPAN_NAME);
    expect(spans.some((span) => span.attributes.num_preemptions === 1)).toBe(true);
    for (const span of spans) {
      const id = span.attributes["gen_ai.request.id"] as string;
      expect(returned.get(id)).toEqual(latencyAttributes(span));
      expect(Object.values(returned.get(id) as object)).toHaveLength(3);
    }
  });

  it("are undefined, with no object built, when there is nothing traced to report", () => {
    const out = simulatedRequest({
      requestId: "out",
      promptTokens: 1,
      maxTokens: 1,
      traceHeaders: { "x-llm-journey-sampled": "0" },
    });
    tracer.requestAdded(out, 0);
    expect(tracer.requestFinished(out, "stopped", 1)).toBeUndefined();
    expect(NOOP_CORE_TRACER.requestFinished(out, "stopped", 1)).toBeUndefined();
    const r = simulatedRequest({ requestId: "r", promptTokens: 1, maxTokens: 1 });
    tracer.requestAdded(r, 0);
    expect(tracer.requestFinished(r, "stopped", 1)).toBeDefined();
    expect(tracer.requestFinished(r, "stopped", 2)).toBeUndefined();
  });

  it("give a request that ends before its first token its prefill up to FINISHED, and no decode", () => {
    const r = simulatedRequest({ requestId: "r", promptTokens: 8, maxTokens: 4 });
    tracer.requestAdded(r, 0);
    tracer.requestScheduled(r, 1);
    r.computedTokens = 4; // a first chunk of prefill, then the client goes away
    tracer.requestProgressed(r, 1);
    const latencies = tracer.requestFinished(r, "aborted", 2);
    const span = onlyCoreSpan();
    const at = (name: string) =>
      span.events.find((event) => event.name === name)?.attributes?.["ts.monotonic"] as number;
    expect(eventNames(span)).toEqual(["journey.QUEUED", "journey.SCHEDULED", "journey.FINISHED"]);
    expect(latencies).toEqual(latencyAttributes(span));
    expect(latencies?.decode).toBeUndefined();
    expectMicroseconds(latencies?.prefill, at("journey.FINISHED") - at("journey.SCHEDULED"));
    expectMicroseconds(latencies?.timeInQueue, at("journey.SCHEDULED") - at("journey.QUEUED"));
  });

  it("give a request never scheduled its whole time in the queue", () => {
    const r = simulatedRequest({ requestId: "r", promptTokens: 8, maxTokens: 4 });
    tracer.requestAdded(r, 0);
    const latencies = tracer.requestFinished(r, "aborted", 0);
    const span = onlyCoreSpan();
    const [queued, finished] = span.events.map((event) => event.attributes?.["ts.monotonic"]);
    expect(Object.keys(latencies ?? {})).toEqual(["timeInQueue"]);
    expectMicroseconds(latencies?.timeInQueue, (finished as number) - (queued as number));
    expect(latencyAttributes(span)).toEqual({
      ...latencies,
      prefill: undefined,
      decode: undefined,
    });
  });
});

describe("the core's sample rate at run time", () => {
  const headerless = (id: string) =>
    simulatedRequest({ requestId: id, promptTokens: 1, maxTokens: 1 });

  it("applies a new rate to the next requests without the sampled header", () => {
    const core = createCoreTracer({ tracerProvider: testing.provider, sampleRate: 1 });
    core.requestAdded(headerless("a"), 0);
    core.sampleRate = 0;
    expect(core.sampleRate).toBe(0);
    core.requestAdded(headerless("b"), 0);
    core.requestAdded(
      simulatedRequest({
        requestId: "c",
        promptTokens: 1,
        maxTokens: 1,
        traceHeaders: { "x-llm-journey-sampled": "1" },
      }),
      0,
    );
    core.sampleRate = 1;
    core.requestAdded(headerless("d"), 0);
    core.shutdown(1);
    const ids = testing
      .spansNamed(CORE_SPAN_NAME)
      .map((span) => span.attributes["gen_ai.request.id"]);
    expect(ids.sort()).toEqual(["a", "c", "d"]);
  });

  it("rejects a rate outside [0, 1] with a message naming it, and keeps the old one", () => {
    const core = createCoreTracer({ tracerProvider: testing.provider, sampleRate: 0.5 });
    for (const bad of [-0.1, 1.5, Number.NaN, "1" as unknown as number]) {
      expect(() => {
        core.sampleRate = bad;
      }).toThrow(RangeError);
      expect(() => {
        NOOP_CORE_TRACER.sampleRate = bad;
      }).toThrow(/sampleRate must be a number in \[0, 1\]/);
    }
    expect(core.sampleRate).toBe(0.5);
  });

  it("is accepted by the shared no-op and changes nothing there", () => {
    NOOP_CORE_TRACER.sampleRate = 1;
    expect(NOOP_CORE_TRACER.sampleRate).toBe(0);
  });
});
