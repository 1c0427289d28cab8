import {
  assertNoTrackedEntries,
  createTestTracing,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JourneyError } from "./abort-reason.js";
import type { ApiJourneyTracer } from "./api-tracer.js";
import { createApiTracer } from "./create-api-tracer.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import { tracePromise } from "./trace-promise.js";
import { traceStream } from "./trace-stream.js";

let testing: TestTracing;
let tracer: ApiJourneyTracer;
let failures: string[];

beforeEach(() => {
  testing = createTestTracing();
  failures = [];
  tracer = createApiTracer({
    tracerProvider: testing.provider,
    onError: (error, operation) => failures.push(`${operation}: ${(error as Error).message}`),
  });
});
afterEach(() => testing.shutdown());

interface Finish {
  usage: { inputTokens: number; outputTokens: number };
  finishReason: string;
}

/** An engine's stream: tokens, then what is known only at the end, as its return value. */
async function* generation(tokens: number): AsyncGenerator<string, Finish> {
  for (let i = 0; i < tokens; i++) {
    await Promise.resolve();
    yield `t${i}`;
  }
  return { usage: { inputTokens: 5, outputTokens: tokens }, finishReason: "stop" };
}

function record(handle: JourneyHandle) {
  return (end: Finish) => {
    handle.setUsage(end.usage);
    handle.setFinishReasons([end.finishReason]);
  };
}

function onlyApiSpan(): ReadableSpan {
  const spans = testing.spansNamed("llm_request");
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

function expectEndRecorded(span: ReadableSpan, outputTokens: number): void {
  expect(span.events.at(-1)?.name).toBe("api.DEPARTED");
  expect(span.attributes["gen_ai.usage.input_tokens"]).toBe(5);
  expect(span.attributes["gen_ai.usage.output_tokens"]).toBe(outputTokens);
  expect(span.attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]);
  testing.assertEverySpanEndedOnce();
  assertNoTrackedEntries(tracer, "api");
}

/** Reads a stream to its end the way `yield*` does, and gives its return value. */
async function returnValueOf<T, R>(stream: AsyncIterator<T, R>): Promise<R> {
  for (;;) {
    const step = await stream.next();
    if (step.done === true) return step.value;
  }
}

describe("recording what is known only at the end", () => {
  it("a stream's return value reaches beforeDeparted, recorded before api.DEPARTED", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const seen: string[] = [];
    for await (const token of traceStream(handle, generation(3), {
      beforeDeparted: record(handle),
    })) {
      seen.push(token);
    }
    expect(seen).toEqual(["t0", "t1", "t2"]);
    expectEndRecorded(onlyApiSpan(), 3);
  });

  it("after the loop is too late: the journey closed with the stream", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    for await (const _ of traceStream(handle, generation(1))) {
      // the engine's tokens
    }
    handle.setUsage({ inputTokens: 5, outputTokens: 1 });
    expect(onlyApiSpan().attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
  });

  it("a promise's result reaches beforeDeparted, recorded before api.DEPARTED", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const result = await tracePromise(handle, returnValueOf(generation(2)), {
      beforeDeparted: record(handle),
    });
    expect(result.finishReason).toBe("stop");
    expectEndRecorded(onlyApiSpan(), 2);
  });

  it("a throwing beforeDeparted is reported, and the response still succeeds", async () => {
    const broken = () => {
      throw new TypeError("usage is undefined");
    };
    const stream = tracer.startJourney({ requestId: "s" });
    expect(
      await returnValueOf(traceStream(stream, generation(1), { beforeDeparted: broken })),
    ).toMatchObject({ finishReason: "stop" });
    const promise = tracer.startJourney({ requestId: "p" });
    expect(await tracePromise(promise, async () => "body", { beforeDeparted: broken })).toBe(
      "body",
    );
    expect(failures).toEqual([
      "beforeDeparted: usage is undefined",
      "beforeDeparted: usage is undefined",
    ]);
    const terminal = testing.finishedSpans().map((span) => span.events.at(-1)?.name);
    expect(terminal).toEqual(["api.DEPARTED", "api.DEPARTED"]);
  });

  it("is not called for a request that is not traced", async () => {
    let calls = 0;
    const count = () => {
      calls++;
    };
    await returnValueOf(traceStream(NOOP_JOURNEY_HANDLE, generation(1), { beforeDeparted: count }));
    const signal = new AbortController().signal;
    await returnValueOf(
      traceStream(NOOP_JOURNEY_HANDLE, generation(1), { signal, beforeDeparted: count }),
    );
    await tracePromise(NOOP_JOURNEY_HANDLE, async () => 1, { signal, beforeDeparted: count });
    expect(calls).toBe(0);
  });

  it("passes the source's return value through the same way, traced or sampled out", async () => {
    const signal = new AbortController().signal;
    const expected = { usage: { inputTokens: 5, outputTokens: 2 }, finishReason: "stop" };
    const traced = tracer.startJourney({ requestId: "r" });
    expect(await returnValueOf(traceStream(traced, generation(2)))).toEqual(expected);
    expect(await returnValueOf(traceStream(traced, generation(2), { signal }))).toEqual(expected);
    expect(await returnValueOf(traceStream(NOOP_JOURNEY_HANDLE, generation(2)))).toEqual(expected);
    expect(
      await returnValueOf(traceStream(NOOP_JOURNEY_HANDLE, generation(2), { signal })),
    ).toEqual(expected);
    function* syncSource(): Generator<string, string> {
      yield "a";
      return "sync end";
    }
    expect(
      await returnValueOf(traceStream(tracer.startJourney({ requestId: "s" }), syncSource())),
    ).toBe("sync end");
    expect(await returnValueOf(traceStream(NOOP_JOURNEY_HANDLE, syncSource()))).toBe("sync end");
  });
});

/** A source that yields once, then waits for `respond()` before its next token. */
function slowSource() {
  let respond: () => void = () => {};
  const state = { finallyRan: false, read: 0 };
  async function* source() {
    try {
      yield "first";
      state.read++;
      await new Promise<void>((resolve) => {
        respond = resolve;
      });
      state.read++;
      yield "second";
      state.read++;
    } finally {
      state.finallyRan = true;
    }
  }
  return { source: source(), state, respond: () => respond() };
}

for (const traced of [true, false]) {
  describe(`a signal that fires while the source is slow (${traced ? "traced" : "sampled out"})`, () => {
    const handleFor = () =>
      traced ? tracer.startJourney({ requestId: "r" }) : NOOP_JOURNEY_HANDLE;

    it("ends the consumer's loop at once, then stops the source, whose finally runs", async () => {
      const { source, state, respond } = slowSource();
      const client = new AbortController();
      const handle = handleFor();
      const seen: string[] = [];
      const consumer = (async () => {
        for await (const token of traceStream(handle, source, { signal: client.signal })) {
          seen.push(token);
          if (seen.length === 1) setTimeout(() => client.abort(), 1);
        }
      })();
      // The loop ends although the source is still waiting for the engine.
      await expect(consumer).rejects.toMatchObject({ reason: "client_disconnect" });
      expect(state.finallyRan).toBe(false);
      respond(); // the engine answers late: the source is stopped at its next yield
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(state.finallyRan).toBe(true);
      expect(seen).toEqual(["first"]);
      if (traced) {
        expect(onlyApiSpan().events.at(-1)?.attributes?.reason).toBe("client_disconnect");
        testing.assertEverySpanEndedOnce();
      }
      assertNoTrackedEntries(tracer, "api");
    });

    it("stops a source waiting at its yield at once, running its finally", async () => {
      const { source, state } = slowSource();
      const client = new AbortController();
      const stream = traceStream(handleFor(), source, { signal: client.signal });
      expect(await stream.next()).toEqual({ value: "first", done: false });
      client.abort(); // the consumer is busy writing "first"
      await Promise.resolve();
      expect(state.finallyRan).toBe(true);
      expect(state.read).toBe(0);
      await expect(stream.next()).rejects.toBeInstanceOf(JourneyError);
    });

    it("tells an iterator with return() to stop, and still ends a loop over one without", async () => {
      const calls: string[] = [];
      const pending = (withReturn: boolean): AsyncIterable<string> => ({
        [Symbol.asyncIterator]: () => ({
          next: () => new Promise<IteratorResult<string>>(() => {}),
          ...(withReturn
            ? {
                return: async () => {
                  calls.push("return");
                  return { value: undefined, done: true as const };
                },
              }
            : {}),
        }),
      });
      for (const withReturn of [true, false]) {
        const client = new AbortController();
        const stream = traceStream(handleFor(), pending(withReturn), { signal: client.signal });
        const next = stream.next();
        setTimeout(() => client.abort(), 1);
        await expect(next).rejects.toMatchObject({ reason: "client_disconnect" });
      }
      expect(calls).toEqual(["return"]);
    });
  });
}

describe("a consumer that leaves early", () => {
  it("closes the source as for await does, so its finally runs before the loop moves on", async () => {
    const { source, state } = slowSource();
    const handle = tracer.startJourney({ requestId: "r" });
    for await (const _ of traceStream(handle, source)) break;
    expect(state.finallyRan).toBe(true);
    expect(onlyApiSpan().events.at(-1)?.attributes?.reason).toBe("client_disconnect");
  });
});
