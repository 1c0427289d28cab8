import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CoreJourneyTracer } from "./core-tracer.js";
import { type CoreTracerOptions, createCoreTracer } from "./create-core-tracer.js";
import {
  ReferenceScheduler,
  type SchedulerShape,
  type SimulatedRequest,
  simulatedRequest,
} from "./examples/reference-scheduler.js";
import { CORE_SPAN_NAME, CORE_TRACER_SCOPE } from "./journey-types.js";
import { STEP_SPAN_NAME, StepAttr } from "./step-types.js";
import type { CoreBatchEntry, CoreStepView } from "./step-view.js";
import {
  assertNoTrackedEntries,
  createTestTracing,
  createThrowingTracerProvider,
  type TestTracing,
} from "./testing/index.js";

const ROOMY: SchedulerShape = { maxRunning: 16, tokenBudget: 256, kvCapacityTokens: 10_000 };
/** Two requests fit their prompts, not their outputs: the newer one is preempted. */
const TIGHT: SchedulerShape = { maxRunning: 2, tokenBudget: 16, kvCapacityTokens: 48 };

let testing: TestTracing;
let errors: string[];

beforeEach(() => {
  testing = createTestTracing();
  errors = [];
});
afterEach(() => testing.shutdown());

function coreTracer(options: CoreTracerOptions = {}): CoreJourneyTracer {
  return createCoreTracer({
    tracerProvider: testing.provider,
    onError: (error, operation) => errors.push(`${operation}: ${String(error)}`),
    ...options,
  });
}

const traced = (id: string, promptTokens = 8, maxTokens = 4): SimulatedRequest =>
  simulatedRequest({
    requestId: id,
    promptTokens,
    maxTokens,
    traceHeaders: { "x-llm-journey-sampled": "1" },
  });
const untraced = (id: string, promptTokens = 8, maxTokens = 4): SimulatedRequest =>
  simulatedRequest({
    requestId: id,
    promptTokens,
    maxTokens,
    traceHeaders: { "x-llm-journey-sampled": "0" },
  });

function stepSpans(): ReadableSpan[] {
  return testing.spansNamed(STEP_SPAN_NAME);
}

function coreSpansByRequest(): Map<string, { spanId: string; traceId: string }> {
  return new Map(
    testing.spansNamed(CORE_SPAN_NAME).map((span) => {
      const { spanId, traceId } = span.spanContext();
      return [span.attributes["gen_ai.request.id"] as string, { spanId, traceId }];
    }),
  );
}

function runToIdle(scheduler: ReferenceScheduler): number {
  let steps = 0;
  for (; steps < 10_000 && !scheduler.idle; steps++) scheduler.runStep();
  expect(scheduler.idle).toBe(true);
  return steps;
}

/** A step view built by hand, for the decisions that do not need a scheduler. */
function stepView(fields: Partial<CoreStepView> = {}): CoreStepView {
  return {
    step: 7,
    startedAt: performance.now(),
    running: 0,
    waiting: 0,
    prefillTokens: 0,
    decodeSeqs: 0,
    preemptions: 0,
    batch: [],
    ...fields,
  };
}

/** A batch that fails the test if anything iterates it. */
const untouchableBatch: Iterable<CoreBatchEntry> = {
  [Symbol.iterator]() {
    throw new Error("the batch of a dropped step was read");
  },
};

describe("llm_step spans", () => {
  it("link exactly the traced requests of a sampled step, those ending in it included", () => {
    const core = coreTracer({ steps: { sampleRate: 1 } });
    const scheduler = new ReferenceScheduler(core, ROOMY);
    // Prompt 8 tokens: the first step computes it whole and samples one token, so the
    // requests with maxTokens 1 finish in that very step.
    scheduler.add(traced("t1", 8, 1));
    scheduler.add(untraced("u1", 30));
    scheduler.add(traced("t2", 20));
    scheduler.add(untraced("u2", 8, 1));
    scheduler.add(traced("t3", 5));
    scheduler.runStep();
    expect(stepSpans()).toHaveLength(1);
    runToIdle(scheduler); // every core span ends, so the links can be compared with them

    const step = stepSpans().find((span) => span.attributes[StepAttr.STEP] === 1);
    if (step === undefined) throw new Error("no step span");
    expect(step.kind).toBe(SpanKind.INTERNAL);
    expect(step.instrumentationScope.name).toBe(CORE_TRACER_SCOPE);
    expect(step.parentSpanContext).toBeUndefined();
    expect(step.attributes).toMatchObject({
      [StepAttr.STEP]: 1,
      [StepAttr.NUM_RUNNING]: 5,
      [StepAttr.NUM_WAITING]: 0,
      [StepAttr.BATCH_SIZE]: 5,
      [StepAttr.BATCH_PREFILL_TOKENS]: 8 + 30 + 20 + 8 + 5,
      [StepAttr.BATCH_DECODE_SEQS]: 0,
      [StepAttr.NUM_PREEMPTIONS]: 0,
      [StepAttr.SAMPLE_REASON]: "rate",
      [StepAttr.KV_BLOCKS_TOTAL]: ROOMY.kvCapacityTokens,
    });
    expect(step.attributes[StepAttr.DURATION]).toBeGreaterThanOrEqual(0);
    expect(step.attributes[StepAttr.LINKS_DROPPED]).toBeUndefined();

    // t1 finished in this step, before the step span was built: it is linked all the same.
    const coreSpans = coreSpansByRequest();
    const links = step.links.map((link) => ({
      spanId: link.context.spanId,
      traceId: link.context.traceId,
      attributes: link.attributes,
    }));
    expect(links).toEqual(
      [
        ["t1", 8],
        ["t2", 20],
        ["t3", 5],
      ].map(([id, tokens]) => ({
        ...coreSpans.get(id as string),
        attributes: {
          "gen_ai.request.id": id,
          "scheduler.request.tokens": tokens,
          phase: "PREFILL",
        },
      })),
    );
    // Step spans are their own traces: no request's trace is made to contain them.
    for (const link of step.links)
      expect(link.context.traceId).not.toBe(step.spanContext().traceId);
    testing.assertEverySpanEndedOnce();
    expect(errors).toEqual([]);
  });

  it("keeps every step with a preemption at rate 0, and only those", () => {
    const core = coreTracer({ steps: { sampleRate: 0 } });
    const scheduler = new ReferenceScheduler(core, TIGHT);
    const requests = [traced("a", 24, 6), traced("b", 20, 8)];
    for (const request of requests) scheduler.add(request);
    runToIdle(scheduler);

    const preemptions = requests.reduce((sum, request) => sum + request.preemptions, 0);
    expect(preemptions).toBeGreaterThan(0);
    const steps = stepSpans();
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.attributes[StepAttr.SAMPLE_REASON]).toBe("preemption");
      expect(step.attributes[StepAttr.NUM_PREEMPTIONS]).toBeGreaterThan(0);
    }
    const kept = steps.reduce(
      (sum, step) => sum + (step.attributes[StepAttr.NUM_PREEMPTIONS] as number),
      0,
    );
    expect(kept).toBe(preemptions);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });

  it("caps the links and counts the traced requests past the cap", () => {
    const core = coreTracer({ steps: { sampleRate: 1, maxLinks: 2 } });
    const scheduler = new ReferenceScheduler(core, ROOMY);
    for (let i = 0; i < 5; i++) scheduler.add(traced(`t${i}`, 8, 3));
    scheduler.add(untraced("u"));
    scheduler.runStep();

    const [step] = stepSpans();
    expect(step?.links.map((link) => link.attributes?.["gen_ai.request.id"])).toEqual(["t0", "t1"]);
    expect(step?.attributes[StepAttr.LINKS_DROPPED]).toBe(3);
    expect(step?.attributes[StepAttr.BATCH_SIZE]).toBe(6);
    runToIdle(scheduler);
  });

  it("links nothing with maxLinks 0, and still counts the traced requests", () => {
    const core = coreTracer({ steps: { sampleRate: 1, maxLinks: 0 } });
    const scheduler = new ReferenceScheduler(core, ROOMY);
    scheduler.add(traced("t0"));
    scheduler.add(traced("t1"));
    scheduler.runStep();
    const [step] = stepSpans();
    expect(step?.links).toEqual([]);
    expect(step?.attributes[StepAttr.LINKS_DROPPED]).toBe(2);
    runToIdle(scheduler);
  });

  it("keeps nothing per step: tracked entries are the requests in flight, 0 when idle", () => {
    const core = coreTracer({ steps: { sampleRate: 1 } });
    const scheduler = new ReferenceScheduler(core, TIGHT);
    const requests = [traced("a", 24, 6), traced("b", 20, 8), untraced("c", 10, 3)];
    for (const request of requests) scheduler.add(request);
    let finished = 0;
    let steps = 0;
    while (!scheduler.idle && steps < 1_000) {
      finished += scheduler.runStep().filter((request) => request.requestId !== "c").length;
      steps++;
      expect(core.trackedEntries).toBe(2 - finished);
      expect(core.activeSpans).toBe(2 - finished);
    }
    expect(stepSpans()).toHaveLength(steps);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });

  it("keeps a step slower than the threshold at rate 0", () => {
    const core = coreTracer({ steps: { sampleRate: 0, slowMs: 20 } });
    core.stepFinished(stepView({ step: 1, startedAt: performance.now() - 50 }));
    core.stepFinished(stepView({ step: 2, batch: untouchableBatch }));
    const steps = stepSpans();
    expect(steps.map((step) => step.attributes[StepAttr.STEP])).toEqual([1]);
    expect(steps[0]?.attributes[StepAttr.SAMPLE_REASON]).toBe("slow");
    expect(steps[0]?.attributes[StepAttr.DURATION]).toBeGreaterThanOrEqual(0.05);
    expect(errors).toEqual([]);
  });

  it("keeps at most maxPerSecond steps by the rate in a second, and every preempting one", () => {
    const core = coreTracer({ steps: { sampleRate: 1, maxPerSecond: 3 } });
    // Fifty steps take far less than a second: the rate picks all, three are kept.
    for (let i = 1; i <= 50; i++) core.stepFinished(stepView({ step: i }));
    for (let i = 51; i <= 55; i++) core.stepFinished(stepView({ step: i, preemptions: 1 }));
    const reasons = stepSpans().map((step) => [
      step.attributes[StepAttr.STEP],
      step.attributes[StepAttr.SAMPLE_REASON],
    ]);
    expect(reasons).toEqual([
      [1, "rate"],
      [2, "rate"],
      [3, "rate"],
      [51, "preemption"],
      [52, "preemption"],
      [53, "preemption"],
      [54, "preemption"],
      [55, "preemption"],
    ]);
    expect(errors).toEqual([]);
  });

  it("keeps steps by the rate again a second after the first of the last second", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const core = coreTracer({ steps: { sampleRate: 1, maxPerSecond: 1 } });
      core.stepFinished(stepView({ step: 1 }));
      vi.advanceTimersByTime(999);
      core.stepFinished(stepView({ step: 2 }));
      vi.advanceTimersByTime(1);
      core.stepFinished(stepView({ step: 3 }));
      expect(stepSpans().map((step) => step.attributes[StepAttr.STEP])).toEqual([1, 3]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("starts the span when the step started and ends it when it was reported", () => {
    const core = coreTracer({ steps: { sampleRate: 1 } });
    const startedAt = performance.now() - 30;
    core.stepFinished(stepView({ startedAt }));
    const [step] = stepSpans();
    if (step === undefined) throw new Error("no step span");
    const toMs = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6;
    expect(toMs(step.startTime)).toBeCloseTo(performance.timeOrigin + startedAt, 2);
    expect(toMs(step.endTime) - toMs(step.startTime)).toBeCloseTo(
      (step.attributes[StepAttr.DURATION] as number) * 1000,
      2,
    );
  });

  it("never reads the batch of a dropped step", () => {
    const core = coreTracer({ steps: { sampleRate: 0 } });
    for (let i = 0; i < 100; i++) core.stepFinished(stepView({ batch: untouchableBatch }));
    expect(stepSpans()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("records no step when step spans or tracing are off, preemptions included", () => {
    const preempting = stepView({ preemptions: 3, batch: untouchableBatch });
    for (const core of [
      coreTracer({ steps: false }),
      createCoreTracer({ enabled: false, steps: { sampleRate: 1 } }),
    ]) {
      core.stepFinished(preempting);
      assertNoTrackedEntries(core, "core");
    }
    expect(testing.finishedSpans()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("reports a step given after the cleanup of a traced request in its batch", () => {
    const core = coreTracer({ steps: { sampleRate: 1 } });
    const request = traced("late");
    core.requestAdded(request, 0);
    core.requestFinished(request, "stopped", 1);
    core.stepFinished(stepView({ step: 1, batch: [{ request, tokens: 8, phase: "PREFILL" }] }));
    expect(stepSpans()[0]?.links).toEqual([]);
    expect(errors).toEqual([
      expect.stringContaining("call stepFinished before the step's requestFinished calls"),
    ]);
  });

  it("never throws into the scheduler when the tracer throws", () => {
    const failures: string[] = [];
    const core = createCoreTracer({
      tracerProvider: createThrowingTracerProvider(),
      steps: { sampleRate: 1 },
      onError: (_error, operation) => failures.push(operation),
    });
    expect(() => core.stepFinished(stepView({ preemptions: 1 }))).not.toThrow();
    const throwingBatch = stepView({ batch: untouchableBatch });
    expect(() => core.stepFinished(throwingBatch)).not.toThrow();
    expect(failures).toContain("stepFinished");
  });
});

describe("step tracing options", () => {
  it("reject invalid values at construction, naming the option", () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ sampleRate: 2 }, /steps\.sampleRate must be a number in \[0, 1\], got 2/],
      [{ sampleRate: "0.5" }, /steps\.sampleRate must be a number in \[0, 1\]/],
      [{ slowMs: 0 }, /steps\.slowMs must be a finite number > 0, got 0/],
      [{ slowMs: Number.POSITIVE_INFINITY }, /steps\.slowMs must be a finite number > 0/],
      [{ slowMs: "10" }, /steps\.slowMs must be a finite number > 0/],
      [{ maxLinks: -1 }, /steps\.maxLinks must be an integer >= 0, got -1/],
      [{ maxLinks: 1.5 }, /steps\.maxLinks must be an integer >= 0/],
      [{ maxPerSecond: -1 }, /steps\.maxPerSecond must be a number >= 0, got -1/],
      [{ maxPerSecond: "10" }, /steps\.maxPerSecond must be a number >= 0/],
      [{ maxPerSecond: Number.NaN }, /steps\.maxPerSecond must be a number >= 0/],
      [true, /steps must be an options object or false, got true/],
      [null, /steps must be an options object or false, got null/],
    ];
    for (const [steps, message] of cases) {
      expect(() =>
        createCoreTracer({ enabled: false, steps: steps as CoreTracerOptions["steps"] }),
      ).toThrow(message);
    }
  });
});
