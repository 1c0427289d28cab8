import {
  assertNoTrackedEntries,
  createTestTracing,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import { type HrTime, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AbortReason, JourneyError } from "./abort-reason.js";
import type { ApiJourneyTracer } from "./api-tracer.js";
import { createApiTracer } from "./create-api-tracer.js";
import { tracePromise } from "./trace-promise.js";
import { traceStream } from "./trace-stream.js";

let testing: TestTracing;
let tracer: ApiJourneyTracer;

beforeEach(() => {
  testing = createTestTracing();
  tracer = createApiTracer({ tracerProvider: testing.provider, onError: () => {} });
});
afterEach(() => testing.shutdown());

async function* chunks(count: number, options: { failAt?: number; error?: unknown } = {}) {
  for (let i = 0; i < count; i++) {
    if (i === options.failAt) throw options.error;
    await Promise.resolve();
    yield `chunk-${i}`;
  }
}

function onlyApiSpan(): ReadableSpan {
  const spans = testing.spansNamed("llm_request");
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

function terminalEvents(span: ReadableSpan) {
  return span.events.filter(
    (event) => event.name === "api.DEPARTED" || event.name === "api.ABORTED",
  );
}

/** Exactly one terminal event, the span ended once, the right status, nothing tracked. */
function expectClosed(outcome: "departed" | AbortReason): ReadableSpan {
  const span = onlyApiSpan();
  const [terminal, ...extra] = terminalEvents(span);
  expect(extra).toEqual([]);
  if (outcome === "departed") {
    expect(terminal?.name).toBe("api.DEPARTED");
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  } else {
    expect(terminal?.name).toBe("api.ABORTED");
    expect(terminal?.attributes?.reason).toBe(outcome);
    expect(typeof terminal?.attributes?.error).toBe("string");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  }
  expect(typeof terminal?.attributes?.["event.ts.monotonic"]).toBe("number");
  expect(span.attributes["gen_ai.latency.e2e"]).toBeGreaterThanOrEqual(0);
  testing.assertEverySpanEndedOnce();
  assertNoTrackedEntries(tracer, "api");
  return span;
}

async function drain(stream: AsyncIterable<string>): Promise<string[]> {
  const seen: string[] = [];
  for await (const chunk of stream) seen.push(chunk);
  return seen;
}

describe("the core's latencies", () => {
  it("are recorded as the core returned them, and nothing for an untraced core", () => {
    const errors: unknown[] = [];
    const tracer = createApiTracer({
      tracerProvider: testing.provider,
      onError: (error) => errors.push(error),
    });
    const traced = tracer.startJourney({ requestId: "core traced" });
    traced.setCoreLatencies({ timeInQueue: 0.25, prefill: 0.5 });
    traced.departed();
    const untraced = tracer.startJourney({ requestId: "core untraced" });
    // What requestFinished returns for a request the core did not trace.
    untraced.setCoreLatencies(undefined);
    untraced.departed();
    const latencies = testing
      .spansNamed("llm_request")
      .map((span) => [
        span.attributes["gen_ai.latency.time_in_queue"],
        span.attributes["gen_ai.latency.time_in_model_prefill"],
        span.attributes["gen_ai.latency.time_in_model_decode"],
      ]);
    expect(latencies).toEqual([
      [0.25, 0.5, undefined],
      [undefined, undefined, undefined],
    ]);
    expect(errors).toEqual([]);
  });
});

describe("API termination paths", () => {
  it("streaming success: DEPARTED after every chunk, with time to first token", async () => {
    const handle = tracer.startJourney({ requestId: "r1" });
    handle.handoffToCore();
    expect(await drain(traceStream(handle, chunks(3)))).toEqual(["chunk-0", "chunk-1", "chunk-2"]);
    const span = expectClosed("departed");
    expect(span.events.map((event) => event.name)).toEqual([
      "api.ARRIVED",
      "api.HANDOFF_TO_CORE",
      "api.FIRST_RESPONSE_FROM_CORE",
      "api.DEPARTED",
    ]);
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.instrumentationScope.name).toBe("llm-journey.api");
    expect(span.attributes["gen_ai.request.id"]).toBe("r1");
    expect(span.attributes["gen_ai.latency.time_to_first_token"]).toBeGreaterThanOrEqual(0);
  });

  it("streaming generation error: ABORTED with generation_error, the error passed through", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const failure = new JourneyError("generation_error", "sampler produced NaN");
    await expect(drain(traceStream(handle, chunks(5, { failAt: 2, error: failure })))).rejects.toBe(
      failure,
    );
    const span = expectClosed("generation_error");
    expect(terminalEvents(span)[0]?.attributes?.error).toBe("JourneyError: sampler produced NaN");
  });

  it("streaming unexpected exception: ABORTED with exception and no stack", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    await expect(
      drain(traceStream(handle, chunks(5, { failAt: 0, error: new TypeError("x is undefined") }))),
    ).rejects.toThrow(TypeError);
    const span = expectClosed("exception");
    expect(String(terminalEvents(span)[0]?.attributes?.error)).not.toContain("\n    at ");
  });

  it("client disconnect mid-stream: ABORTED with client_disconnect when the signal fires", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const disconnect = new AbortController();
    const stream = traceStream(handle, chunks(10), { signal: disconnect.signal });
    await stream.next();
    disconnect.abort();
    expect(handle.closed).toBe(true); // closed at the disconnect, not when the source ends
    await expect(drain(stream)).rejects.toMatchObject({ reason: "client_disconnect" });
    expectClosed("client_disconnect");
  });

  it("a consumer that stops reading early closes with client_disconnect", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    for await (const _chunk of traceStream(handle, chunks(10))) break;
    expectClosed("client_disconnect");
  });

  it("a consumer that returns before its first next() closes with client_disconnect", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const stream = traceStream(handle, chunks(10));
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    expect(handle.closed).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expectClosed("client_disconnect");
  });

  it("a consumer that throws into the stream before its first next() closes it once", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const stream = traceStream(handle, chunks(10));
    const failure = new JourneyError("engine_error", "the engine went away");
    await expect(stream.throw(failure)).rejects.toBe(failure);
    expectClosed("engine_error");
  });

  it("a signal that fires before iteration starts closes the journey at that moment", () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const disconnect = new AbortController();
    traceStream(handle, chunks(10), { signal: disconnect.signal });
    disconnect.abort();
    expect(handle.closed).toBe(true);
    expectClosed("client_disconnect");
  });

  it("a stream created with an already-aborted signal is closed at once and reads nothing", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    let read = false;
    async function* source() {
      read = true;
      yield "never";
    }
    const stream = traceStream(handle, source(), { signal: AbortSignal.abort() });
    expect(handle.closed).toBe(true);
    await expect(drain(stream)).rejects.toMatchObject({ reason: "client_disconnect" });
    expect(read).toBe(false);
    expectClosed("client_disconnect");
  });

  it("non-streaming success: DEPARTED with usage and finish reasons", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    handle.setUsage({ inputTokens: 12, outputTokens: 7 });
    handle.setFinishReasons(["stop"]);
    expect(await tracePromise(handle, async () => "done")).toBe("done");
    const span = expectClosed("departed");
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBe(12);
    expect(span.attributes["gen_ai.usage.output_tokens"]).toBe(7);
    expect(span.attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]);
  });

  it("non-streaming cancel: ABORTED with client_disconnect and a rejected promise", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const cancel = new AbortController();
    const pending = tracePromise(handle, new Promise<string>(() => {}), { signal: cancel.signal });
    cancel.abort();
    await expect(pending).rejects.toMatchObject({ reason: "client_disconnect" });
    expectClosed("client_disconnect");
  });

  it("non-streaming engine failure: ABORTED with the error's reason", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    await expect(
      tracePromise(handle, Promise.reject(new JourneyError("engine_error", "worker died"))),
    ).rejects.toThrow("worker died");
    expectClosed("engine_error");
  });

  it("timeout: ABORTED with timeout when no response comes in time", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    await expect(
      tracePromise(handle, new Promise(() => {}), { timeoutMs: 5 }),
    ).rejects.toMatchObject({ reason: "timeout" });
    expectClosed("timeout");
  });

  it("timeout by an AbortSignal.timeout() signal on a stream is reported as timeout", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    const never = {
      async *[Symbol.asyncIterator]() {
        await new Promise(() => {});
      },
    };
    const stream = traceStream(handle, never, { signal: AbortSignal.timeout(5) });
    await expect(stream.next()).rejects.toMatchObject({ reason: "timeout" });
    expectClosed("timeout");
  });

  it("validation error: ABORTED with validation_error", () => {
    const handle = tracer.startJourney({ requestId: "r" });
    handle.aborted(
      "validation_error",
      new JourneyError("validation_error", "messages must be a non-empty array"),
    );
    expectClosed("validation_error");
  });

  it("unexpected exception in the handler: ABORTED with exception", () => {
    const handle = tracer.startJourney({ requestId: "r" });
    try {
      throw new RangeError("bug");
    } catch (error) {
      handle.aborted("exception", error);
    }
    expectClosed("exception");
  });

  it("server shutdown: every open journey ABORTED with shutdown", () => {
    const handles = [
      tracer.startJourney({ requestId: "a" }),
      tracer.startJourney({ requestId: "b" }),
    ];
    expect(tracer.activeSpans).toBe(2);
    tracer.shutdown();
    expect(handles.every((handle) => handle.closed)).toBe(true);
    const reasons = testing
      .spansNamed("llm_request")
      .map((span) => terminalEvents(span)[0]?.attributes?.reason);
    expect(reasons).toEqual(["shutdown", "shutdown"]);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(tracer, "api");
  });

  it("server shutdown aborts only the journeys still open, whatever order the others closed in", () => {
    const handles = ["a", "b", "c", "d"].map((requestId) => tracer.startJourney({ requestId }));
    handles[1]?.departed();
    handles[3]?.aborted("client_disconnect");
    handles[3]?.aborted("client_disconnect");
    expect(tracer.activeSpans).toBe(2);
    tracer.shutdown();
    expect(tracer.activeSpans).toBe(0);
    const reasons = Object.fromEntries(
      testing
        .spansNamed("llm_request")
        .map((span) => [
          span.attributes["gen_ai.request.id"],
          terminalEvents(span)[0]?.attributes?.reason ?? "departed",
        ]),
    );
    expect(reasons).toEqual({
      a: "shutdown",
      b: "departed",
      c: "shutdown",
      d: "client_disconnect",
    });
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(tracer, "api");
  });

  it("ignores every call after the terminal one", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    handle.departed();
    handle.aborted("exception", new Error("late"));
    handle.firstResponse();
    handle.setUsage({ outputTokens: 1 });
    handle.departed();
    expectClosed("departed");
  });

  it("emits FIRST_RESPONSE_FROM_CORE once however many chunks arrive", async () => {
    const handle = tracer.startJourney({ requestId: "r" });
    await drain(traceStream(handle, chunks(20)));
    const firsts = onlyApiSpan().events.filter(
      (event) => event.name === "api.FIRST_RESPONSE_FROM_CORE",
    );
    expect(firsts).toHaveLength(1);
  });
});

describe("content capture", () => {
  it("records no prompt or completion text by default", () => {
    const handle = tracer.startJourney({ requestId: "r" });
    expect(handle.capturesContent).toBe(false);
    handle.setContent({
      inputMessages: [{ role: "user", content: "my secret" }],
      outputMessages: "reply",
    });
    handle.departed();
    const span = onlyApiSpan();
    expect(JSON.stringify(span.attributes)).not.toContain("my secret");
    expect(span.attributes["gen_ai.input.messages"]).toBeUndefined();
  });

  it("records the messages as JSON when the operator opts in", () => {
    const capturing = createApiTracer({ tracerProvider: testing.provider, captureContent: true });
    const handle = capturing.startJourney({ requestId: "r" });
    handle.setContent({ inputMessages: [{ role: "user", content: "hello" }] });
    handle.setContent({ outputMessages: [{ role: "assistant", content: "hi" }] });
    handle.departed();
    const span = onlyApiSpan();
    expect(span.attributes["gen_ai.input.messages"]).toBe('[{"role":"user","content":"hello"}]');
    expect(span.attributes["gen_ai.output.messages"]).toBe('[{"role":"assistant","content":"hi"}]');
  });
});

describe("span times", () => {
  it("follow the events' event.ts.monotonic from the wall clock at arrival, to the end", () => {
    const before = Date.now();
    const handle = tracer.startJourney({ requestId: "r", headers: {} });
    handle.handoffToCore();
    handle.firstResponse();
    handle.aborted("client_disconnect");
    const after = Date.now();
    const span = onlyApiSpan();
    const nanos = ([seconds, fraction]: HrTime) =>
      BigInt(seconds) * 1_000_000_000n + BigInt(fraction);
    const start = nanos(span.startTime);
    expect(Number(start / 1_000_000n)).toBeGreaterThanOrEqual(before);
    expect(Number(start / 1_000_000n)).toBeLessThanOrEqual(after);
    const at = (index: number) =>
      span.events.at(index)?.attributes?.["event.ts.monotonic"] as number;
    expect(span.events.map((event) => event.name)).toHaveLength(4);
    span.events.forEach((event, i) => {
      const expected = (at(i) - at(0)) * 1e9;
      expect(Math.abs(Number(nanos(event.time) - start) - expected)).toBeLessThanOrEqual(10);
    });
    const lasted = (at(-1) - at(0)) * 1e9;
    expect(Math.abs(Number(nanos(span.endTime) - start) - lasted)).toBeLessThanOrEqual(10);
  });
});
