import { CORE_SPAN_NAME, type CoreJourneyTracer, createCoreTracer } from "@llm-journey/tracer-core";
import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { INJECTED_ERROR_MESSAGE } from "./engine-request.js";
import {
  ContinuousBatchingScheduler,
  type RequestOutput,
  type SchedulerOptions,
  type StepResult,
} from "./scheduler.js";
import { SIMULATED_VOCABULARY, simulateText } from "./text-generator.js";

const testing = createTestTracing();
let tracer: CoreJourneyTracer | undefined;

afterEach(() => {
  // Whatever a test did, nothing it traced may be left open or tracked.
  testing.assertEverySpanEndedOnce();
  if (tracer !== undefined) assertNoTrackedEntries(tracer, "core tracer");
  tracer = undefined;
  testing.reset();
});
afterAll(() => testing.shutdown());

function engine(shape: Omit<SchedulerOptions, "tracer"> = {}): ContinuousBatchingScheduler {
  tracer = createCoreTracer({ tracerProvider: testing.provider, sampleRate: 1 });
  return new ContinuousBatchingScheduler({ tracer, ...shape });
}

function add(
  scheduler: ContinuousBatchingScheduler,
  requestId: string,
  fields: { promptTokens?: number; maxTokens?: number; prompt?: string; stop?: string[] } = {},
): RequestOutput | undefined {
  return scheduler.add({
    requestId,
    prompt: fields.prompt ?? `prompt of ${requestId}`,
    promptTokens: fields.promptTokens ?? 8,
    maxTokens: fields.maxTokens ?? 8,
    stop: fields.stop,
  });
}

/** Runs steps until the engine is idle; the per-step callback sees each result. */
function drain(
  scheduler: ContinuousBatchingScheduler,
  onStep: (result: StepResult, runningBefore: string[]) => void = () => {},
): StepResult[] {
  const results: StepResult[] = [];
  for (let i = 0; i < 10_000 && !scheduler.idle; i++) {
    const runningBefore = scheduler.runningRequestIds();
    const result = scheduler.runStep();
    onStep(result, runningBefore);
    results.push(result);
  }
  expect(scheduler.idle).toBe(true);
  return results;
}

function outputsOf(results: StepResult[], requestId: string): RequestOutput[] {
  return results.flatMap((result) => result.outputs.filter((o) => o.requestId === requestId));
}

function finishOf(results: StepResult[], requestId: string): RequestOutput {
  const finished = outputsOf(results, requestId).filter((output) => output.finish !== undefined);
  expect(finished).toHaveLength(1);
  return finished[0] as RequestOutput;
}

function streamedText(results: StepResult[], requestId: string): string {
  return outputsOf(results, requestId)
    .map((output) => output.text)
    .join("");
}

function coreSpan(requestId: string): ReadableSpan {
  const spans = testing
    .spansNamed(CORE_SPAN_NAME)
    .filter((span) => span.attributes["gen_ai.request.id"] === requestId);
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

function eventNames(span: ReadableSpan): string[] {
  return span.events.map((event) => event.name);
}

function finishStatus(span: ReadableSpan): unknown {
  return span.events.at(-1)?.attributes?.["finish.status"];
}

describe("ContinuousBatchingScheduler", () => {
  it("splits a long prompt into chunks that never exceed the step's token budget", () => {
    const scheduler = engine({ maxNumBatchedTokens: 64 });
    add(scheduler, "short-1", { promptTokens: 10, maxTokens: 12 });
    add(scheduler, "long", { promptTokens: 200, maxTokens: 4 });
    add(scheduler, "short-2", { promptTokens: 10, maxTokens: 12 });
    const results = drain(scheduler, (result) => {
      const total = result.scheduled.reduce((sum, chunk) => sum + chunk.tokens, 0);
      expect(total).toBeLessThanOrEqual(64);
      for (const chunk of result.scheduled) {
        if (chunk.kind === "decode") expect(chunk.tokens).toBe(1);
      }
    });
    const longChunks = results.flatMap((result) =>
      result.scheduled.filter((chunk) => chunk.requestId === "long" && chunk.kind === "prefill"),
    );
    expect(longChunks.reduce((sum, chunk) => sum + chunk.tokens, 0)).toBe(200);
    expect(longChunks.length).toBeGreaterThanOrEqual(4);
    // Decoding went on beside the chunks: short-1 decoded in a step that also prefilled "long".
    expect(
      results.some(
        (result) =>
          result.scheduled.some((c) => c.requestId === "long" && c.kind === "prefill") &&
          result.scheduled.some((c) => c.requestId === "short-1" && c.kind === "decode"),
      ),
    ).toBe(true);
    // The span shows the prefill progressing chunk by chunk up to the whole prompt.
    const long = coreSpan("long");
    const firstToken = long.events.find((event) => event.name === "journey.FIRST_TOKEN");
    expect(firstToken?.attributes?.["prefill.done_tokens"]).toBe(200);
    const lastPrefillStep = results.filter((result) =>
      result.scheduled.some((c) => c.requestId === "long" && c.kind === "prefill"),
    );
    expect(firstToken?.attributes?.["scheduler.step"]).toBe(lastPrefillStep.at(-1)?.step);
    expect(finishOf(results, "long").finish?.status).toBe("length");
  });

  it("never runs more than maxNumSeqs sequences and admits in arrival order", () => {
    const scheduler = engine({ maxNumSeqs: 3 });
    for (let i = 0; i < 10; i++) add(scheduler, `r${i}`, { maxTokens: 5 + i });
    let peak = 0;
    const admitted: string[] = [];
    drain(scheduler, (result, before) => {
      const running = scheduler.runningRequestIds();
      expect(running.length).toBeLessThanOrEqual(3);
      peak = Math.max(peak, running.length);
      for (const chunk of result.scheduled) {
        if (!before.includes(chunk.requestId) && !admitted.includes(chunk.requestId)) {
          admitted.push(chunk.requestId);
        }
      }
    });
    expect(peak).toBe(3);
    expect(admitted).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    for (let i = 0; i < 10; i++) expect(finishStatus(coreSpan(`r${i}`))).toBe("length");
  });

  it("preempts the newest running request when blocks run out, and resumes it later", () => {
    const scheduler = engine({ blockSize: 4, numKvBlocks: 24, maxNumBatchedTokens: 48 });
    const ids = ["a", "b", "c", "d", "e"];
    for (const id of ids) add(scheduler, id, { promptTokens: 28, maxTokens: 40 });
    const preempted: string[] = [];
    const results = drain(scheduler, (result, before) => {
      // Victims are taken from the newest end of the running batch, newest first.
      expect(result.preempted).toEqual(before.slice().reverse().slice(0, result.preempted.length));
      preempted.push(...result.preempted);
      expect(scheduler.stats().kvBlocksUsed).toBeLessThanOrEqual(24);
    });
    expect(preempted.length).toBeGreaterThan(0);
    expect(scheduler.stats()).toEqual({
      running: 0,
      waiting: 0,
      kvBlocksUsed: 0,
      kvBlocksTotal: 24,
    });
    for (const id of ids) {
      const span = coreSpan(id);
      const names = eventNames(span);
      expect(names[0]).toBe("journey.QUEUED");
      expect(names.filter((name) => name === "journey.FINISHED")).toHaveLength(1);
      expect(names.at(-1)).toBe("journey.FINISHED");
      const preemptions = names.filter((name) => name === "journey.PREEMPTED").length;
      expect(preemptions).toBe(preempted.filter((victim) => victim === id).length);
      expect(span.events.at(-1)?.attributes?.num_preemptions).toBe(preemptions);
      expect(span.attributes.num_preemptions).toBe(preemptions);
      const kinds = span.events
        .filter((event) => event.name === "journey.SCHEDULED")
        .map((event) => event.attributes?.["schedule.kind"]);
      expect(kinds).toEqual(["FIRST", ...Array(preemptions).fill("RESUME")]);
      const progress = span.events.map(
        (event) => event.attributes?.["prefill.done_tokens"] as number,
      );
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1] as number);
      }
      expect(names.filter((name) => name === "journey.FIRST_TOKEN").length).toBeLessThanOrEqual(1);
      // Recompute loses no output: the request still runs to its limit.
      expect(finishOf(results, id)).toMatchObject({
        outputTokens: 40,
        finish: { status: "length" },
      });
    }
  });

  it("stops before a stop string that spans two tokens, and never streams any of it", () => {
    const prompt = "tell me a story";
    const text = simulateText(prompt);
    const full = Array.from({ length: 12 }, (_, i) => text.token(i)).join("");
    const t5 = text.token(5);
    const stop = (t5 + text.token(6)).slice(t5.length - 2, t5.length + 3);
    const expected = full.slice(0, full.indexOf(stop));

    const scheduler = engine();
    add(scheduler, "s", { prompt, maxTokens: 100, stop: ["never-generated", stop] });
    const results = drain(scheduler);
    const finish = finishOf(results, "s");
    expect(finish.finish?.status).toBe("stopped");
    expect(streamedText(results, "s")).toBe(expected);
    expect(streamedText(results, "s")).not.toContain(stop);
    expect(finish.outputTokens).toBeLessThanOrEqual(7);
    expect(finishStatus(coreSpan("s"))).toBe("stopped");
  });

  it("ends at max_tokens with length, and at the simulated end of sequence with stopped", () => {
    const scheduler = engine();
    add(scheduler, "short", { prompt: "same prompt", maxTokens: 5 });
    add(scheduler, "natural", { prompt: "same prompt", maxTokens: 1_000 });
    const results = drain(scheduler);
    expect(finishOf(results, "short")).toMatchObject({
      outputTokens: 5,
      promptTokens: 8,
      finish: { status: "length" },
    });
    expect(finishOf(results, "natural")).toMatchObject({
      outputTokens: simulateText("same prompt").naturalLength,
      finish: { status: "stopped" },
    });
    expect(finishStatus(coreSpan("short"))).toBe("length");
    expect(finishStatus(coreSpan("natural"))).toBe("stopped");
  });

  it("aborts a waiting and a running request, once each", () => {
    const scheduler = engine({ maxNumSeqs: 1 });
    add(scheduler, "running", { maxTokens: 50 });
    add(scheduler, "waiting", { maxTokens: 50 });
    scheduler.runStep();
    expect(scheduler.runningRequestIds()).toEqual(["running"]);
    expect(scheduler.waitingRequestIds()).toEqual(["waiting"]);

    expect(scheduler.abort("waiting")).toMatchObject({ finish: { status: "aborted" } });
    expect(scheduler.abort("running")).toMatchObject({
      outputTokens: 1,
      finish: { status: "aborted" },
    });
    expect(scheduler.abort("running")).toBeUndefined();
    expect(scheduler.idle).toBe(true);
    expect(scheduler.stats().kvBlocksUsed).toBe(0);

    expect(eventNames(coreSpan("waiting"))).toEqual(["journey.QUEUED", "journey.FINISHED"]);
    expect(eventNames(coreSpan("running"))).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FIRST_TOKEN",
      "journey.FINISHED",
    ]);
    expect(finishStatus(coreSpan("waiting"))).toBe("aborted");
    expect(finishStatus(coreSpan("running"))).toBe("aborted");
  });

  it("throws away the tokens of a request aborted while its step was computing", () => {
    const scheduler = engine();
    add(scheduler, "kept", { maxTokens: 3 });
    add(scheduler, "gone", { maxTokens: 3 });
    const plan = scheduler.scheduleStep();
    expect(plan.scheduled.map((chunk) => chunk.requestId)).toEqual(["kept", "gone"]);
    expect(scheduler.abort("gone")).toMatchObject({
      outputTokens: 0,
      finish: { status: "aborted" },
    });
    const result = scheduler.completeStep();
    expect(result.outputs.map((output) => output.requestId)).toEqual(["kept"]);
    drain(scheduler);
    expect(eventNames(coreSpan("gone"))).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FINISHED",
    ]);
  });

  it("fails every request inside the completion path at an error rate of 1", () => {
    const scheduler = engine({ injectEngineErrorRate: 1 });
    for (let i = 0; i < 6; i++) add(scheduler, `e${i}`, { maxTokens: 20 });
    const results = drain(scheduler);
    for (let i = 0; i < 6; i++) {
      const finish = finishOf(results, `e${i}`);
      expect(finish.finish).toMatchObject({ status: "error", error: INJECTED_ERROR_MESSAGE });
      expect(finish.text).toBe("");
      expect(finishStatus(coreSpan(`e${i}`))).toBe("error");
    }
  });

  it("chooses the failing requests from the seed, so a run can be replayed", () => {
    const failing = (seed: number) => {
      const scheduler = engine({ injectEngineErrorRate: 0.5, seed });
      for (let i = 0; i < 20; i++) add(scheduler, `r${i}`, { maxTokens: 16 });
      const results = drain(scheduler);
      return Array.from({ length: 20 }, (_, i) => `r${i}`).filter(
        (id) => finishOf(results, id).finish?.status === "error",
      );
    };
    const first = failing(7);
    expect(failing(7)).toEqual(first);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(20);
  });

  it("ignores a prompt that can never fit the KV cache, and runs one that just fits", () => {
    const scheduler = engine({ numKvBlocks: 4, blockSize: 4 });
    expect(add(scheduler, "too-big", { promptTokens: 17 })).toMatchObject({
      finish: { status: "ignored" },
    });
    expect(add(scheduler, "fits", { promptTokens: 16, maxTokens: 50 })).toBeUndefined();
    const results = drain(scheduler);
    // The whole cache holds the prompt; the first sampled token leaves no room for more.
    expect(finishOf(results, "fits")).toMatchObject({
      outputTokens: 1,
      finish: { status: "length" },
    });
    expect(eventNames(coreSpan("too-big"))).toEqual(["journey.QUEUED", "journey.FINISHED"]);
    expect(finishStatus(coreSpan("too-big"))).toBe("ignored");
  });

  it("generates the same text for the same prompt, preempted or not", () => {
    const roomy = engine();
    add(roomy, "x", { prompt: "hello there", promptTokens: 28, maxTokens: 40 });
    add(roomy, "y", { prompt: "hello there", promptTokens: 28, maxTokens: 40 });
    add(roomy, "z", { prompt: "something else", promptTokens: 28, maxTokens: 40 });
    const relaxed = drain(roomy);
    const text = streamedText(relaxed, "x");
    expect(streamedText(relaxed, "y")).toBe(text);
    expect(streamedText(relaxed, "z")).not.toBe(text);
    for (const word of text.split(" ")) {
      expect(SIMULATED_VOCABULARY).toContain(word.replace(/\.$/, ""));
    }
    assertNoTrackedEntries(tracer as CoreJourneyTracer);

    const cramped = engine({ blockSize: 4, numKvBlocks: 24 });
    for (const id of ["a", "b", "c"]) add(cramped, id, { promptTokens: 28, maxTokens: 40 });
    add(cramped, "x-again", { prompt: "hello there", promptTokens: 28, maxTokens: 40 });
    const results = drain(cramped);
    expect(eventNames(coreSpan("x-again"))).toContain("journey.PREEMPTED");
    expect(streamedText(results, "x-again")).toBe(text);
  });

  it("aborts everything in flight at shutdown, and every request added after it", () => {
    const scheduler = engine({ maxNumSeqs: 2 });
    for (const id of ["a", "b", "c"]) add(scheduler, id, { maxTokens: 50 });
    scheduler.runStep();
    const outputs = scheduler.shutdown();
    expect(outputs.map((output) => [output.requestId, output.finish?.status])).toEqual([
      ["a", "aborted"],
      ["b", "aborted"],
      ["c", "aborted"],
    ]);
    expect(add(scheduler, "late")).toMatchObject({ finish: { status: "aborted" } });
    expect(scheduler.idle).toBe(true);
    for (const id of ["a", "b", "c", "late"]) expect(finishStatus(coreSpan(id))).toBe("aborted");
  });

  it("rejects an invalid or duplicate request before tracing it", () => {
    const scheduler = engine();
    expect(() => add(scheduler, "bad", { promptTokens: 0 })).toThrow(
      "promptTokens must be a positive integer, got 0",
    );
    expect(() => add(scheduler, "bad", { maxTokens: 0 })).toThrow(
      "maxTokens must be a positive integer, got 0",
    );
    add(scheduler, "dup");
    expect(() => add(scheduler, "dup")).toThrow("already in the engine");
    drain(scheduler);
    expect(testing.spansNamed(CORE_SPAN_NAME)).toHaveLength(1);
  });
});

describe("the latencies the engine reports", () => {
  it("are the core span's own, on a request that was preempted and resumed", () => {
    const scheduler = engine({ numKvBlocks: 3, blockSize: 4, maxNumSeqs: 4 });
    for (const id of ["a", "b", "c"]) add(scheduler, id, { promptTokens: 4, maxTokens: 6 });
    const results = drain(scheduler);
    expect(results.some((result) => result.preempted.length > 0)).toBe(true);
    for (const id of ["a", "b", "c"]) {
      const latencies = finishOf(results, id).finish?.latencies;
      const core = coreSpan(id).attributes;
      // What the core tracer returned from requestFinished: no clock of the engine's own.
      expect(latencies).toEqual({
        timeInQueue: core["gen_ai.latency.time_in_queue"],
        prefill: core["gen_ai.latency.time_in_model_prefill"],
        decode: core["gen_ai.latency.time_in_model_decode"],
      });
    }
  });

  it("are not measured for a request the API layer sampled out", () => {
    const scheduler = engine();
    scheduler.add({
      requestId: "out",
      prompt: "prompt of out",
      promptTokens: 8,
      maxTokens: 8,
      traceHeaders: { "x-llm-journey-sampled": "0" },
    });
    expect(finishOf(drain(scheduler), "out").finish).toEqual({ status: "length" });
  });

  it("are not measured at all with tracing disabled", () => {
    const scheduler = new ContinuousBatchingScheduler({
      tracer: createCoreTracer({ enabled: false }),
    });
    add(scheduler, "quiet");
    expect(finishOf(drain(scheduler), "quiet").finish).toEqual({ status: "length" });
  });
});
