import {
  CORE_SPAN_NAME,
  type CoreJourneyTracer,
  type CoreTracerOptions,
  createCoreTracer,
  STEP_SPAN_NAME,
} from "@llm-journey/tracer-core";
import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  ContinuousBatchingScheduler,
  type SchedulerOptions,
  type StepResult,
} from "./scheduler.js";

const testing = createTestTracing();
let tracer: CoreJourneyTracer | undefined;
let errors: string[] = [];

afterEach(() => {
  testing.assertEverySpanEndedOnce();
  if (tracer !== undefined) assertNoTrackedEntries(tracer, "core tracer");
  tracer = undefined;
  errors = [];
  testing.reset();
});
afterAll(() => testing.shutdown());

function engine(
  steps: CoreTracerOptions["steps"],
  shape: Omit<SchedulerOptions, "tracer"> = {},
): ContinuousBatchingScheduler {
  tracer = createCoreTracer({
    tracerProvider: testing.provider,
    steps,
    onError: (error) => errors.push(String(error)),
  });
  return new ContinuousBatchingScheduler({ tracer, ...shape });
}

/** Request ids that start with "u" are sampled out by the API layer; the others are traced. */
function add(scheduler: ContinuousBatchingScheduler, requestId: string, promptTokens = 8): void {
  scheduler.add({
    requestId,
    prompt: `prompt of ${requestId}`,
    promptTokens,
    maxTokens: 6,
    traceHeaders: { "x-llm-journey-sampled": requestId.startsWith("u") ? "0" : "1" },
  });
}

function drain(scheduler: ContinuousBatchingScheduler): StepResult[] {
  const results: StepResult[] = [];
  for (let i = 0; i < 10_000 && !scheduler.idle; i++) results.push(scheduler.runStep());
  expect(scheduler.idle).toBe(true);
  return results;
}

function stepSpan(step: number): ReadableSpan {
  const spans = testing
    .spansNamed(STEP_SPAN_NAME)
    .filter((span) => span.attributes["scheduler.step"] === step);
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

function coreSpanIds(): Map<string, string> {
  return new Map(
    testing
      .spansNamed(CORE_SPAN_NAME)
      .map((span) => [span.attributes["gen_ai.request.id"] as string, span.spanContext().spanId]),
  );
}

describe("the scheduler's llm_step spans", () => {
  it("link, at every sampled step, exactly the traced requests it computed", () => {
    const scheduler = engine(
      { sampleRate: 1 },
      { blockSize: 4, numKvBlocks: 24, maxNumBatchedTokens: 48 },
    );
    for (const id of ["a", "u1", "b", "c", "u2", "d"]) add(scheduler, id, 20);
    const results = drain(scheduler);
    const coreSpans = coreSpanIds();
    expect(testing.spansNamed(STEP_SPAN_NAME)).toHaveLength(results.length);
    for (const result of results) {
      const span = stepSpan(result.step);
      const traced = result.scheduled.filter((chunk) => !chunk.requestId.startsWith("u"));
      expect(
        span.links.map((link) => ({
          spanId: link.context.spanId,
          id: link.attributes?.["gen_ai.request.id"],
          tokens: link.attributes?.["scheduler.request.tokens"],
          phase: link.attributes?.phase,
        })),
      ).toEqual(
        traced.map((chunk) => ({
          spanId: coreSpans.get(chunk.requestId),
          id: chunk.requestId,
          tokens: chunk.tokens,
          phase: chunk.kind.toUpperCase(),
        })),
      );
      expect(span.attributes).toMatchObject({
        "scheduler.batch.size": result.scheduled.length,
        "scheduler.batch.prefill_tokens": result.prefillTokens,
        "scheduler.batch.decode_seqs": result.decodeSeqs,
        "scheduler.num_preemptions": result.preempted.length,
        "scheduler.kv_blocks.total": 24,
      });
      expect(span.attributes["scheduler.kv_blocks.used"]).toBeLessThanOrEqual(24);
    }
    expect(errors).toEqual([]);
  });

  it("keeps each step with a preemption at rate 0, and no other", () => {
    const scheduler = engine(
      { sampleRate: 0 },
      { blockSize: 4, numKvBlocks: 24, maxNumBatchedTokens: 48 },
    );
    for (const id of ["a", "b", "c", "d", "e"]) add(scheduler, id, 28);
    const results = drain(scheduler);
    const preempting = results.filter((result) => result.preempted.length > 0);
    expect(preempting.length).toBeGreaterThan(0);
    expect(
      testing
        .spansNamed(STEP_SPAN_NAME)
        .map((span) => [
          span.attributes["scheduler.step"],
          span.attributes["scheduler.num_preemptions"],
        ]),
    ).toEqual(preempting.map((result) => [result.step, result.preempted.length]));
  });

  it("leaves out a request aborted while its step was computing", () => {
    const scheduler = engine({ sampleRate: 1 });
    add(scheduler, "kept");
    add(scheduler, "gone");
    const plan = scheduler.scheduleStep();
    scheduler.abort("gone");
    scheduler.completeStep();
    const span = stepSpan(plan.step);
    expect(span.links.map((link) => link.attributes?.["gen_ai.request.id"])).toEqual(["kept"]);
    drain(scheduler);
    expect(errors).toEqual([]);
  });

  it("records no step span when step spans are off", () => {
    const scheduler = engine(false, { blockSize: 4, numKvBlocks: 24, maxNumBatchedTokens: 48 });
    for (const id of ["a", "b", "c", "d", "e"]) add(scheduler, id, 28);
    drain(scheduler);
    expect(testing.spansNamed(STEP_SPAN_NAME)).toEqual([]);
  });
});
