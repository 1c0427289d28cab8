import { encode } from "gpt-tokenizer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_WORKER_EXITED, EngineClient } from "./engine-client.js";
import type { EngineEvent, JourneySpan } from "./engine-contract.js";

type EngineStream = AsyncIterable<EngineEvent>;

import { prepareTestEngineWorker } from "../../test/support/engine-worker-for-tests.js";
import { FAST_STEP_TIME } from "./step-time-model.js";
import { simulateText } from "./text-generator.js";

const worker = prepareTestEngineWorker();
afterAll(() => worker.remove());

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
/** Slow enough that a request is still running when the test acts on it; never measured. */
const STEADY_STEP_TIME = { baseMs: 2, perPrefillTokenMs: 0, perDecodeSeqMs: 0 };

type Finished = Extract<EngineEvent, { type: "finished" }>;

function start(options: Parameters<typeof EngineClient.start>[0] = {}): Promise<EngineClient> {
  return EngineClient.start(options, { workerUrl: worker.workerUrl });
}

async function collect(stream: EngineStream): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

function finishedOf(events: EngineEvent[]): Finished {
  expect(events.filter((event) => event.type === "finished")).toHaveLength(1);
  const last = events.at(-1);
  expect(last?.type).toBe("finished");
  return last as Finished;
}

function textOf(events: EngineEvent[]): string {
  return events.map((event) => (event.type === "token" ? event.text : "")).join("");
}

/** Reads events until the first token, then hands the stream's iterator back. */
async function untilFirstToken(stream: EngineStream): Promise<AsyncIterator<EngineEvent>> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  expect(first.done).toBe(false);
  expect((first.value as EngineEvent).type).toBe("token");
  return iterator;
}

async function rest(iterator: AsyncIterator<EngineEvent>): Promise<EngineEvent[]> {
  const events: EngineEvent[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    events.push(next.value);
  }
  return events;
}

/** Polls until `find` returns something; the bound only keeps a broken run from hanging. */
async function eventually<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

function spanRecorder(client: EngineClient) {
  const spans: JourneySpan[] = [];
  client.onSpans((batch) => spans.push(...batch.map((span) => JSON.parse(span.json))));
  const spanOf = (requestId: string) =>
    spans.find((span) => span.attributes["gen_ai.request.id"] === requestId);
  return {
    spans,
    spanOf,
    arrived: (requestId: string) => eventually(() => spanOf(requestId), `span of ${requestId}`),
  };
}

function finishStatusOf(span: JourneySpan): unknown {
  return span.events.at(-1)?.attributes["finish.status"];
}

describe("EngineClient with a real worker thread", () => {
  let client: EngineClient;
  let recorder: ReturnType<typeof spanRecorder>;

  beforeAll(async () => {
    client = await start({ stepTime: FAST_STEP_TIME });
    recorder = spanRecorder(client);
  });
  afterAll(() => client.shutdown());

  it("streams a request to completion with the simulated text and token counts", async () => {
    const prompt = "Tell me about continuous batching.";
    const events = await collect(client.submit({ requestId: "complete", prompt, maxTokens: 12 }));
    const finished = finishedOf(events);
    expect(finished).toEqual({
      type: "finished",
      status: "length",
      promptTokens: encode(prompt).length,
      outputTokens: 12,
      // The engine traces (the worker's default), so it reports what it measured.
      latencies: {
        timeInQueue: expect.any(Number),
        prefill: expect.any(Number),
        decode: expect.any(Number),
      },
    });
    const simulated = simulateText(prompt);
    const expected = Array.from({ length: 12 }, (_, i) => simulated.token(i)).join("");
    expect(textOf(events)).toBe(expected);
    const tokens = events.filter((event) => event.type === "token");
    expect(tokens.at(-1)?.outputTokens).toBe(12);
    expect(client.inFlight).toBe(0);
  });

  it("forwards the llm_core span as a child of the request's traceparent", async () => {
    const events = await collect(
      client.submit({
        requestId: "traced",
        prompt: "hello",
        maxTokens: 4,
        traceHeaders: { traceparent: TRACEPARENT, "x-llm-journey-sampled": "1" },
      }),
    );
    expect(finishedOf(events).status).toBe("length");
    const span = await recorder.arrived("traced");
    expect(span).toMatchObject({
      name: "llm_core",
      kind: "INTERNAL",
      scope: "llm-journey.scheduler",
      traceId: TRACE_ID,
      parentSpanId: PARENT_SPAN_ID,
    });
    expect(span.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FIRST_TOKEN",
      "journey.FINISHED",
    ]);
    expect(finishStatusOf(span)).toBe("length");
  });

  it("creates no span for a request the API layer sampled out", async () => {
    const headers = { traceparent: TRACEPARENT };
    await collect(
      client.submit({
        requestId: "sampled-out",
        prompt: "hi",
        maxTokens: 3,
        traceHeaders: { ...headers, "x-llm-journey-sampled": "0" },
      }),
    );
    await collect(
      client.submit({
        requestId: "sampled-in",
        prompt: "hi",
        maxTokens: 3,
        traceHeaders: { ...headers, "x-llm-journey-sampled": "1" },
      }),
    );
    // Spans arrive in the order they ended: once the later one is here, the earlier would be.
    await recorder.arrived("sampled-in");
    expect(recorder.spanOf("sampled-out")).toBeUndefined();
  });

  it("keeps every event for a consumer that starts reading late", async () => {
    const prompt = "a slow reader";
    const stream = client.submit({ requestId: "late-reader", prompt, maxTokens: 10 });
    await eventually(() => (client.inFlight === 0 ? true : undefined), "the request to finish");
    const events = await collect(stream);
    const simulated = simulateText(prompt);
    expect(textOf(events)).toBe(Array.from({ length: 10 }, (_, i) => simulated.token(i)).join(""));
    expect(finishedOf(events).status).toBe("length");
  });

  it("refuses a second request with an id still in flight", async () => {
    const stream = client.submit({ requestId: "twice", prompt: "x", maxTokens: 2 });
    expect(() => client.submit({ requestId: "twice", prompt: "x", maxTokens: 2 })).toThrow(
      "request twice is already in flight",
    );
    await collect(stream);
  });

  it("reports zero active spans and tracked entries once idle", async () => {
    await collect(client.submit({ requestId: "before-stats", prompt: "count me", maxTokens: 5 }));
    const stats = await client.counts();
    expect(stats).toEqual({
      activeSpans: 0,
      trackedEntries: 0,
      running: 0,
      waiting: 0,
      kvBlocksUsed: 0,
      spansDropped: 0,
      counting: 0,
      closedByWatchdog: 0,
      streamEntries: 0,
      streamRecords: 0,
    });
    expect(client.lastCounts).toEqual(stats);
    expect(client.inFlight).toBe(0);
  });
});

describe("EngineClient ending requests early", () => {
  let client: EngineClient;
  let recorder: ReturnType<typeof spanRecorder>;

  beforeAll(async () => {
    client = await start({ stepTime: STEADY_STEP_TIME });
    recorder = spanRecorder(client);
  });
  afterAll(() => client.shutdown());

  it("ends the stream with aborted when a running request is aborted", async () => {
    const stream = client.submit({ requestId: "abort-me", prompt: "long story", maxTokens: 500 });
    const iterator = await untilFirstToken(stream);
    client.abort("abort-me");
    client.abort("abort-me");
    const finished = finishedOf(await rest(iterator));
    expect(finished.status).toBe("aborted");
    expect(finished.outputTokens).toBeLessThan(500);
    expect(client.inFlight).toBe(0);
    expect(finishStatusOf(await recorder.arrived("abort-me"))).toBe("aborted");
    client.abort("abort-me"); // finished: ignored
  });

  it("aborts the request when the consumer leaves the loop", async () => {
    for await (const event of client.submit({
      requestId: "leave",
      prompt: "bye",
      maxTokens: 500,
    })) {
      if (event.type === "token") break;
    }
    expect(finishStatusOf(await recorder.arrived("leave"))).toBe("aborted");
    await eventually(() => (client.inFlight === 0 ? true : undefined), "the client to forget it");
  });

  it("ends in-flight streams with error when the worker dies, then serves new requests", async () => {
    const iterators = await Promise.all(
      ["crash-1", "crash-2"].map((requestId) =>
        untilFirstToken(client.submit({ requestId, prompt: requestId, maxTokens: 500 })),
      ),
    );
    await client.crashWorkerForTests();
    for (const iterator of iterators) {
      const finished = finishedOf(await rest(iterator));
      expect(finished).toMatchObject({ status: "error", error: ENGINE_WORKER_EXITED });
      expect(finished.outputTokens).toBeGreaterThan(0);
    }
    expect(client.inFlight).toBe(0);
    expect(client.restarts).toBe(1);

    const events = await collect(
      client.submit({ requestId: "after-crash", prompt: "again", maxTokens: 3 }),
    );
    expect(finishedOf(events).status).toBe("length");
    expect(finishStatusOf(await recorder.arrived("after-crash"))).toBe("length");
    expect(await client.counts()).toMatchObject({ activeSpans: 0, trackedEntries: 0 });
    expect(client.inFlight).toBe(0);
  });
});

describe("EngineClient shutdown", () => {
  it("aborts the requests in flight, ends their spans as aborted, and stops the worker", async () => {
    const client = await start({ stepTime: STEADY_STEP_TIME, maxNumSeqs: 2 });
    const recorder = spanRecorder(client);
    const running = await Promise.all(
      ["s-1", "s-2"].map((requestId) =>
        untilFirstToken(client.submit({ requestId, prompt: requestId, maxTokens: 500 })),
      ),
    );
    const waiting = collect(client.submit({ requestId: "s-3", prompt: "s-3", maxTokens: 500 }));
    await client.shutdown();
    const results = [...(await Promise.all(running.map(rest))), await waiting];
    for (const events of results) {
      // Answered by the engine itself, not made up by the client after a timeout.
      const finished = finishedOf(events);
      expect(finished.status).toBe("aborted");
      expect(finished.error).toBeUndefined();
    }
    // Every span was delivered before shutdown resolved.
    for (const requestId of ["s-1", "s-2", "s-3"]) {
      const span = recorder.spanOf(requestId);
      expect(span, requestId).toBeDefined();
      expect(finishStatusOf(span as JourneySpan)).toBe("aborted");
    }
    expect(client.inFlight).toBe(0);
    expect(client.lastCounts).toMatchObject({ activeSpans: 0, trackedEntries: 0, running: 0 });
    const late = await collect(client.submit({ requestId: "late", prompt: "x", maxTokens: 2 }));
    expect(finishedOf(late).status).toBe("aborted");
    await client.shutdown();
  });
});

/** Letters without a break: about a second of counting, far more than one slice. */
function longPrompt(): string {
  return Array.from({ length: 1_000_000 }, (_, i) =>
    String.fromCharCode(97 + ((i * 7919) % 26)),
  ).join("");
}

describe("EngineClient and prompts still being counted", () => {
  // A KV cache large enough that the long prompt must be counted to its end.
  const BIG_CACHE = { stepTime: FAST_STEP_TIME, numKvBlocks: 200_000, blockSize: 16 };

  it("aborts a request whose prompt is still being counted, and forgets it", async () => {
    const client = await start(BIG_CACHE);
    try {
      const stream = client.submit({ requestId: "counting", prompt: longPrompt(), maxTokens: 2 });
      client.abort("counting");
      expect(finishedOf(await collect(stream))).toMatchObject({
        status: "aborted",
        promptTokens: 0,
      });
      expect(await client.counts()).toMatchObject({ counting: 0, waiting: 0, activeSpans: 0 });
      // The engine kept serving while it counted.
      const served = await collect(
        client.submit({ requestId: "next", prompt: "hi", maxTokens: 2 }),
      );
      expect(finishedOf(served).status).toBe("length");
    } finally {
      await client.shutdown();
    }
  });

  it("ends a request whose prompt is still being counted when the engine shuts down", async () => {
    const client = await start(BIG_CACHE);
    const stream = client.submit({ requestId: "counting", prompt: longPrompt(), maxTokens: 2 });
    for (let i = 0; i < 500 && (await client.counts()).counting === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(client.lastCounts.counting).toBe(1);
    await client.shutdown();
    expect(finishedOf(await collect(stream)).status).toBe("aborted");
    expect(client.lastCounts).toMatchObject({ counting: 0, activeSpans: 0, trackedEntries: 0 });
  });
});

describe("EngineClient failures inside the engine", () => {
  it("reports injected engine errors and prompts too long for the KV cache", async () => {
    const client = await start({
      stepTime: FAST_STEP_TIME,
      injectEngineErrorRate: 1,
      numKvBlocks: 2,
      blockSize: 4,
    });
    const recorder = spanRecorder(client);
    try {
      const failed = finishedOf(
        await collect(client.submit({ requestId: "fails", prompt: "hi", maxTokens: 4 })),
      );
      expect(failed).toMatchObject({
        status: "error",
        error: expect.stringContaining("simulated"),
      });
      const ignored = finishedOf(
        await collect(
          client.submit({ requestId: "too-long", prompt: "word ".repeat(40), maxTokens: 4 }),
        ),
      );
      expect(ignored).toMatchObject({ status: "ignored", outputTokens: 0 });
      expect(ignored.error).toContain("KV cache");
      expect(finishStatusOf(await recorder.arrived("fails"))).toBe("error");
      expect(finishStatusOf(await recorder.arrived("too-long"))).toBe("ignored");
    } finally {
      await client.shutdown();
    }
  });

  it("rejects bad options before starting a worker, naming the option", async () => {
    await expect(start({ maxNumSeqs: 0 })).rejects.toThrow(
      new RangeError("maxNumSeqs must be a positive integer, got 0"),
    );
  });
});
