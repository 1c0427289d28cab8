import { SAMPLED_HEADER } from "@llm-journey/context-propagation";
import {
  CORE_SPAN_NAME,
  type CoreJourneyTracer,
  createCoreTracer,
  STEP_SPAN_NAME,
  StepAttr,
} from "@llm-journey/tracer-core";
import {
  assertNoTrackedEntries,
  createTestTracing,
  createThrowingTracerProvider,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type { LlamaContext, LlamaGrammar, Token } from "node-llama-cpp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InternalsChangedError } from "./batch-tap.js";
import { LlamaEngineError } from "./engine-errors.js";
import type { GenerationResult, LlamaGeneration } from "./generation.js";
import { createLlamaEngine, type LlamaEngine, type LlamaEngineOptions } from "./llama-engine.js";
import { type LlamaFixture, loadLlamaFixture } from "./test-support/llama-fixture.js";

let fixture: LlamaFixture;
let testing: TestTracing;
let errors: unknown[];
let engines: LlamaEngine[];

beforeAll(async () => {
  fixture = await loadLlamaFixture();
});
afterAll(() => fixture.dispose());
beforeEach(() => {
  testing = createTestTracing();
  errors = [];
  engines = [];
});
afterEach(async () => {
  for (const engine of engines) await engine.close();
  await testing.shutdown();
});

function coreTracer(): CoreJourneyTracer {
  return createCoreTracer({
    tracerProvider: testing.provider,
    sampleRate: 1,
    steps: { sampleRate: 1 },
    onError: (error) => errors.push(error),
  });
}

async function engineOn(context: LlamaContext, options: Partial<LlamaEngineOptions> = {}) {
  const tracer = coreTracer();
  const engine = await createLlamaEngine({
    context,
    tracer,
    onError: (error) => errors.push(error),
    ...options,
  });
  engines.push(engine);
  return { engine, tracer };
}

const traced = { [SAMPLED_HEADER]: "1" };

function coreSpan(requestId: string): ReadableSpan {
  const span = testing
    .spansNamed(CORE_SPAN_NAME)
    .find((candidate) => candidate.attributes["gen_ai.request.id"] === requestId);
  if (!span) throw new Error(`no llm_core span for ${requestId}`);
  return span;
}

const eventNames = (span: ReadableSpan) => span.events.map((event) => event.name);
/**
 * When an event happened on the process's monotonic clock: comparable across spans,
 * where each span's wall-clock times hang on its own millisecond anchor.
 */
const eventTime = (span: ReadableSpan, name: string) => {
  const event = span.events.find((candidate) => candidate.name === `journey.${name}`);
  if (!event) throw new Error(`no ${name} on ${span.attributes["gen_ai.request.id"]}`);
  return Number(event.attributes?.["ts.monotonic"]);
};
const finishStatus = (span: ReadableSpan) =>
  span.events.find((event) => event.name === "journey.FINISHED")?.attributes?.["finish.status"];

/** Everything the engine and the tracer hold, and every span ended exactly once. */
function expectAllClean(engine: LlamaEngine, tracer: CoreJourneyTracer): void {
  expect(engine.trackedEntries).toBe(0);
  expect(engine.queued).toBe(0);
  expect(engine.running).toBe(0);
  assertNoTrackedEntries(tracer, "core");
  expect(testing.openSpanCount()).toBe(0);
  testing.assertEverySpanEndedOnce();
}

/**
 * A `length` finish. node-llama-cpp counts a token that ends in half a UTF-8 character
 * only with the token that completes it, so a generation can run one token past
 * `maxTokens`: the generated model spells much of its output in bytes.
 */
function expectLengthFinish(result: GenerationResult, maxTokens: number): void {
  expect(result).toMatchObject({ status: "length", stopReason: "maxTokens" });
  expect(result.outputTokens).toBeGreaterThanOrEqual(maxTokens);
  expect(result.outputTokens).toBeLessThanOrEqual(maxTokens + 1);
}

async function drain(generation: LlamaGeneration): Promise<string> {
  let text = "";
  for await (const chunk of generation) text += chunk.text;
  return text;
}

describe("a traced engine over llama.cpp", () => {
  it("queues what the sequences cannot take, FCFS, and shows the wait on the spans", async () => {
    const { engine, tracer } = await engineOn(await fixture.context(2));
    expect(engine.sequences).toBe(2);
    expect(engine.batchTracing).toBe("on");
    const generations = [0, 1, 2, 3, 4].map((i) =>
      engine.submit({
        requestId: `r${i}`,
        prompt: `request ${i}`,
        maxTokens: 6,
        traceHeaders: traced,
      }),
    );
    expect(engine.running).toBe(2);
    expect(engine.queued).toBe(3);
    const texts = await Promise.all(generations.map(drain));
    const results = await Promise.all(generations.map((generation) => generation.done));

    for (const [i, result] of results.entries()) {
      expect(result).toMatchObject({ requestId: `r${i}`, status: "length" });
      expectLengthFinish(result, 6);
      expect(result.text).toBe(texts[i]);
      const span = coreSpan(`r${i}`);
      expect(eventNames(span)).toEqual([
        "journey.QUEUED",
        "journey.SCHEDULED",
        "journey.FIRST_TOKEN",
        "journey.FINISHED",
      ]);
      expect(finishStatus(span)).toBe("length");
    }
    // The three that waited were scheduled only when an earlier request had finished.
    const firstFinish = Math.min(...["r0", "r1"].map((id) => eventTime(coreSpan(id), "FINISHED")));
    for (const id of ["r2", "r3", "r4"]) {
      const span = coreSpan(id);
      expect(eventTime(span, "SCHEDULED")).toBeGreaterThanOrEqual(firstFinish);
      expect(span.attributes["gen_ai.latency.time_in_queue"]).toBeGreaterThan(0);
    }
    expect(eventTime(coreSpan("r2"), "SCHEDULED")).toBeLessThanOrEqual(
      eventTime(coreSpan("r4"), "SCHEDULED"),
    );
    expectAllClean(engine, tracer);
  });

  it("records prefill as llama.cpp batched it and FIRST_TOKEN with the prompt complete", async () => {
    // A batch of 16 tokens cuts a 40-token prompt into three chunks.
    const context = await fixture.model.createContext({
      sequences: 1,
      contextSize: 256,
      batchSize: 16,
      threads: 1,
    });
    try {
      const { engine, tracer } = await engineOn(context);
      const generation = engine.submit({ requestId: "long", prompt: "x".repeat(38), maxTokens: 3 });
      expect(generation.promptTokens).toBe(39); // BOS and 38 x
      await generation.done;
      const prefill = testing
        .spansNamed(STEP_SPAN_NAME)
        .map((span) => span.attributes[StepAttr.BATCH_PREFILL_TOKENS]);
      expect(prefill.slice(0, 3)).toEqual([16, 16, 7]);
      expect(new Set(prefill.slice(3))).toEqual(new Set([0]));
      const firstToken = coreSpan("long").events.find((e) => e.name === "journey.FIRST_TOKEN");
      expect(firstToken?.attributes).toMatchObject({
        "prefill.done_tokens": 39,
        "prefill.total_tokens": 39,
        "decode.done_tokens": 1,
        "scheduler.step": 3,
      });
      await engine.close();
      expectAllClean(engine, tracer);
    } finally {
      await context.dispose();
    }
  });

  it("links each step span to exactly the requests whose tokens were in that batch", async () => {
    const context = await fixture.context(3);
    // An independent record of every batch, taken beneath the engine's own wrapper.
    const native = (context as unknown as { _ctx: Record<string, (...args: never[]) => unknown> })
      ._ctx;
    const batches: Array<Array<{ sequenceId: number; first: number; tokens: number[] }>> = [];
    let building: Array<{ sequenceId: number; first: number; tokens: number[] }> = [];
    const addToBatch = native.addToBatch as (...args: unknown[]) => unknown;
    const decodeBatch = native.decodeBatch as () => Promise<void>;
    Object.defineProperty(native, "addToBatch", {
      configurable: true,
      value(sequenceId: number, first: number, tokens: Uint32Array, logits: Uint32Array) {
        building.push({ sequenceId, first, tokens: [...tokens] });
        return addToBatch.call(native, sequenceId, first, tokens, logits);
      },
    });
    Object.defineProperty(native, "decodeBatch", {
      configurable: true,
      value() {
        batches.push(building);
        building = [];
        return decodeBatch.call(native);
      },
    });

    const { engine, tracer } = await engineOn(context);
    const prompts = new Map<string, string>();
    const generations: LlamaGeneration[] = [];
    for (let i = 0; i < 7; i++) {
      const requestId = `q${i}`;
      prompts.set(requestId, `${i}: ${"ab".repeat(i + 1)}`);
      generations.push(
        engine.submit({ requestId, prompt: prompts.get(requestId) as string, maxTokens: 2 + i }),
      );
    }
    await Promise.all(generations.map((generation) => generation.done));
    await engine.close();

    // Which request each recorded entry belongs to: a request's first entry on a
    // sequence starts at position 0 with its own prompt, and the sequence is its own
    // until the next such entry.
    const promptOf = new Map<string, number[]>();
    for (const [id, prompt] of prompts) {
      promptOf.set(id, [
        fixture.model.tokens.bos as number,
        ...fixture.model.tokenize(prompt, false, "trimLeadingSpace"),
      ]);
    }
    const owner = new Map<number, string>();
    const expected = batches.map((batch) =>
      batch
        .map((entry) => {
          if (entry.first === 0) {
            const match = [...promptOf].find(([, tokens]) =>
              tokens.slice(0, entry.tokens.length).every((token, i) => token === entry.tokens[i]),
            );
            if (!match) throw new Error(`batch entry ${entry.tokens} matches no prompt`);
            owner.set(entry.sequenceId, match[0]);
          }
          return `${owner.get(entry.sequenceId)}:${entry.tokens.length}`;
        })
        .sort(),
    );

    const steps = testing
      .spansNamed(STEP_SPAN_NAME)
      .sort((a, b) => Number(a.attributes[StepAttr.STEP]) - Number(b.attributes[StepAttr.STEP]));
    expect(steps.map((span) => span.attributes[StepAttr.STEP])).toEqual(
      batches.map((_, i) => i + 1),
    );
    const linked = steps.map((span) =>
      span.links
        .map(
          (link) =>
            `${link.attributes?.[StepAttr.LINK_REQUEST_ID]}:${link.attributes?.[StepAttr.LINK_TOKENS]}`,
        )
        .sort(),
    );
    expect(linked).toEqual(expected);
    // Several requests shared batches, and each link points at its request's core span.
    expect(Math.max(...expected.map((batch) => batch.length))).toBeGreaterThan(1);
    for (const span of steps) {
      for (const link of span.links) {
        const core = coreSpan(String(link.attributes?.[StepAttr.LINK_REQUEST_ID]));
        expect(link.context.spanId).toBe(core.spanContext().spanId);
      }
    }
    expectAllClean(engine, tracer);
  });

  it("aborts a request mid-generation and reuses its sequence, cleared, for the next", async () => {
    const { engine, tracer } = await engineOn(await fixture.context(1));
    const controller = new AbortController();
    const generation = engine.submit({
      requestId: "stopped-early",
      prompt: "abort me",
      signal: controller.signal,
      traceHeaders: traced,
    });
    let chunks = 0;
    for await (const _ of generation) {
      if (++chunks === 3) controller.abort();
    }
    const aborted = await generation.done;
    expect(aborted).toMatchObject({ status: "aborted", stopReason: "abort" });
    expect(aborted.outputTokens).toBeGreaterThanOrEqual(3);
    expect(aborted.outputTokens).toBeLessThan(20);
    expect(finishStatus(coreSpan("stopped-early"))).toBe("aborted");

    const next = engine.submit({ requestId: "after", prompt: "next one", maxTokens: 4 });
    expectLengthFinish(await next.done, 4);
    // Its whole prompt was evaluated from position 0: the sequence came back empty.
    const firstToken = coreSpan("after").events.find((e) => e.name === "journey.FIRST_TOKEN");
    expect(firstToken?.attributes?.["prefill.done_tokens"]).toBe(next.promptTokens);
    expectAllClean(engine, tracer);
  });

  it("aborts a request whose reader stops iterating, and one aborted while it waits", async () => {
    const { engine, tracer } = await engineOn(await fixture.context(1));
    const running = engine.submit({ requestId: "reader-left", prompt: "a" });
    const waiting = engine.submit({ requestId: "never-ran", prompt: "b", maxTokens: 4 });
    waiting.abort();
    expect(await waiting.done).toMatchObject({ status: "aborted", outputTokens: 0 });
    expect(eventNames(coreSpan("never-ran"))).toEqual(["journey.QUEUED", "journey.FINISHED"]);
    for await (const _ of running) break;
    expect((await running.done).status).toBe("aborted");
    const alreadyAborted = engine.submit({ prompt: "c", signal: AbortSignal.abort() });
    expect((await alreadyAborted.done).status).toBe("aborted");
    expectAllClean(engine, tracer);
  });

  it("finishes as stopped on a stop string, leaving it out of the text, and as length at maxTokens", async () => {
    const { engine, tracer } = await engineOn(await fixture.context(1));
    // Greedy sampling makes the generated gibberish repeatable: stop on a piece of it.
    const free = await engine.submit({ requestId: "free", prompt: "The cat", maxTokens: 24 }).done;
    expectLengthFinish(free, 24);
    const stop = [...free.text].slice(6, 9).join("");
    const stopAt = free.text.indexOf(stop);
    const stopped = await engine.submit({
      requestId: "stop",
      prompt: "The cat",
      maxTokens: 24,
      stop: [stop],
    }).done;
    expect(stopped).toMatchObject({ status: "stopped", stopReason: "customStopTrigger" });
    expect(stopped.text).toBe(free.text.slice(0, stopAt));
    expect(finishStatus(coreSpan("stop"))).toBe("stopped");
    expect(finishStatus(coreSpan("free"))).toBe("length");
    expectAllClean(engine, tracer);
  });

  it("ends a request whose generation fails as error, and reuses its sequence", async () => {
    const { engine, tracer } = await engineOn(await fixture.context(1));
    // A grammar of no Llama instance: node-llama-cpp rejects the generation at its start.
    const failing = engine.submit({
      requestId: "fails",
      prompt: "fail",
      maxTokens: 8,
      sampling: { grammar: {} as LlamaGrammar },
    });
    await expect(drain(failing)).rejects.toThrow(/same Llama instance/);
    const failed = await failing.done;
    expect(failed.status).toBe("error");
    expect(String(failed.error)).toMatch(/same Llama instance/);
    expect(finishStatus(coreSpan("fails"))).toBe("error");
    expectLengthFinish(await engine.submit({ prompt: "works", maxTokens: 3 }).done, 3);
    expectAllClean(engine, tracer);
  });

  it("ends waiting and running requests as aborted on close, and gives the context back", async () => {
    const context = await fixture.context(2);
    const native = (context as unknown as { _ctx: object })._ctx;
    const { engine, tracer } = await engineOn(context);
    expect(Object.hasOwn(native, "decodeBatch")).toBe(true);
    const generations = [0, 1, 2, 3].map((i) => engine.submit({ prompt: `close ${i}` }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.close();
    const results = await Promise.all(generations.map((generation) => generation.done));
    expect(results.map((result: GenerationResult) => result.status)).toEqual([
      "aborted",
      "aborted",
      "aborted",
      "aborted",
    ]);
    expect(engine.closed).toBe(true);
    expect(() => engine.submit({ prompt: "late" })).toThrow(LlamaEngineError);
    expect(Object.hasOwn(native, "decodeBatch")).toBe(false);
    await expect.poll(() => context.sequencesLeft).toBe(2);
    expectAllClean(engine, tracer);
    await engine.close();
  });

  it("refuses bad requests with a clear error, keeping nothing", async () => {
    const { engine, tracer } = await engineOn(await fixture.context(1), { maxQueued: 1 });
    expect(() => engine.submit({ prompt: "x", maxTokens: 0 })).toThrow(/maxTokens/);
    expect(() => engine.submit({ prompt: [1, 1_000_000] as Token[] })).toThrow(/prompt tokens/);
    expect(() => engine.submit({ prompt: "y".repeat(600) })).toThrow(/fit the context/);
    expect(() => engine.submit({ prompt: "x", stop: [""] })).toThrow(/stop/);
    // @ts-expect-error: not a prompt
    expect(() => engine.submit({ prompt: 42 })).toThrow(/prompt must be/);
    const first = engine.submit({ requestId: "one", prompt: "x", maxTokens: 2 });
    expect(() => engine.submit({ requestId: "one", prompt: "x" })).toThrow(/in flight/);
    const second = engine.submit({ prompt: "x", maxTokens: 2 });
    expect(() => engine.submit({ prompt: "x" })).toThrow(
      expect.objectContaining({ code: "queue_full" }),
    );
    await Promise.all([first.done, second.done]);
    expect(testing.spansNamed(CORE_SPAN_NAME)).toHaveLength(2);
    expectAllClean(engine, tracer);
  });

  it("generates the same when the tracer's spans throw on every call", async () => {
    const context = await fixture.context(2);
    const tracer = createCoreTracer({
      tracerProvider: createThrowingTracerProvider(),
      sampleRate: 1,
      steps: { sampleRate: 1 },
      onError: () => {},
    });
    const engine = await createLlamaEngine({ context, tracer });
    engines.push(engine);
    const results = await Promise.all(
      [0, 1, 2].map((i) => engine.submit({ prompt: `p${i}`, maxTokens: 5 }).done),
    );
    expect(results.map((result) => result.status)).toEqual(["length", "length", "length"]);
    expect(engine.trackedEntries).toBe(0);
    expect(tracer.trackedEntries).toBe(0);
  });

  it("keeps generating when its own batch observer fails, and when onError throws too", async () => {
    const tracer = coreTracer();
    tracer.stepFinished = () => {
      throw new Error("step hook failure");
    };
    const engine = await createLlamaEngine({
      context: await fixture.context(2),
      tracer,
      onError: (error) => {
        errors.push(error);
        throw new Error("handler failure");
      },
    });
    engines.push(engine);
    const results = await Promise.all(
      [0, 1].map((i) => engine.submit({ prompt: `q${i}`, maxTokens: 4 }).done),
    );
    expect(results.map((result) => result.status)).toEqual(["length", "length"]);
    expect(errors.length).toBeGreaterThan(0);
    expect(String(errors[0])).toContain("step hook failure");
    expect(engine.trackedEntries).toBe(0);
  });

  it("says once that node-llama-cpp changed, and goes on tracing without step spans", async () => {
    const context = await fixture.context(2);
    // A context as a newer node-llama-cpp might have it: no `_ctx` to observe.
    const changed = new Proxy(context, {
      get: (target, property) => {
        if (property === "_ctx") return undefined;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { engine, tracer } = await engineOn(changed);
    expect(engine.batchTracing).toBe("unavailable");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InternalsChangedError);
    const results = await Promise.all(
      [0, 1, 2].map(
        (i) => engine.submit({ requestId: `u${i}`, prompt: `p${i}`, maxTokens: 4 }).done,
      ),
    );
    expect(results.map((result) => result.status)).toEqual(["length", "length", "length"]);
    expect(testing.spansNamed(STEP_SPAN_NAME)).toHaveLength(0);
    expect(eventNames(coreSpan("u2"))).toContain("journey.FIRST_TOKEN");
    expect(errors).toHaveLength(1);
    expectAllClean(engine, tracer);
  });

  it("costs nothing without a tracer: the context is left untouched", async () => {
    const context = await fixture.context(1);
    const engine = await createLlamaEngine({ context });
    engines.push(engine);
    expect(engine.batchTracing).toBe("off");
    expect(Object.hasOwn((context as unknown as { _ctx: object })._ctx, "decodeBatch")).toBe(false);
    expect((await engine.submit({ prompt: "plain", maxTokens: 3 }).done).status).toBe("length");
    expect(testing.finishedSpans()).toHaveLength(0);
  });
});
