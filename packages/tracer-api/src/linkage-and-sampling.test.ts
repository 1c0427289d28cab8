import { once } from "node:events";
import { MessageChannel } from "node:worker_threads";
import { createCoreTracer } from "@llm-journey/tracer-core";
import {
  assertNoTrackedEntries,
  createTestTracing,
  createThrowingTracerProvider,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApiTracer } from "./create-api-tracer.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import { tracePromise } from "./trace-promise.js";
import { traceStream } from "./trace-stream.js";

const CLIENT_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN_ID = "b7ad6b7169203331";
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`;

let testing: TestTracing;
beforeEach(() => {
  testing = createTestTracing();
});
afterEach(() => testing.shutdown());

/** Sends a request to a "core" on the other side of a MessageChannel: only the header map crosses. */
async function sendToCore(requestId: string, coreHeaders: Readonly<Record<string, string>>) {
  const core = createCoreTracer({ tracerProvider: testing.provider });
  const { port1, port2 } = new MessageChannel();
  port1.postMessage({ requestId, traceHeaders: coreHeaders });
  const [message] = (await once(port2, "message")) as [
    { requestId: string; traceHeaders: Record<string, string> },
  ];
  port1.close();
  const request = {
    ...message,
    promptTokens: 4,
    computedTokens: 4,
    outputTokens: 1,
    maxTokens: 1,
    preemptions: 0,
  };
  core.requestAdded(request, 0);
  core.requestFinished(request.requestId, "length", 1);
  assertNoTrackedEntries(core, "core");
}

describe("parent-child linkage across the API/engine boundary", () => {
  it("makes llm_core a child of llm_request in the same trace", async () => {
    const api = createApiTracer({ tracerProvider: testing.provider });
    const handle = api.startJourney({ requestId: "r1" });
    await sendToCore("r1", handle.coreHeaders);
    handle.departed();
    const [apiSpan] = testing.spansNamed("llm_request");
    const [coreSpan] = testing.spansNamed("llm_core");
    expect(coreSpan?.spanContext().traceId).toBe(apiSpan?.spanContext().traceId);
    expect(coreSpan?.parentSpanContext?.spanId).toBe(apiSpan?.spanContext().spanId);
    expect(apiSpan?.parentSpanContext).toBeUndefined();
    expect(coreSpan?.attributes["gen_ai.request.id"]).toBe("r1");
  });

  it("makes llm_request a child of the client's traceparent", async () => {
    const api = createApiTracer({ tracerProvider: testing.provider });
    const handle = api.startJourney({
      requestId: "r1",
      headers: { traceparent: CLIENT_TRACEPARENT },
    });
    await sendToCore("r1", handle.coreHeaders);
    handle.departed();
    const [apiSpan] = testing.spansNamed("llm_request");
    const [coreSpan] = testing.spansNamed("llm_core");
    expect(apiSpan?.spanContext().traceId).toBe(CLIENT_TRACE_ID);
    expect(apiSpan?.parentSpanContext?.spanId).toBe(CLIENT_SPAN_ID);
    expect(coreSpan?.spanContext().traceId).toBe(CLIENT_TRACE_ID);
    expect(coreSpan?.parentSpanContext?.spanId).toBe(apiSpan?.spanContext().spanId);
  });

  it("starts a new trace for an untrusted client's traceparent", () => {
    const api = createApiTracer({ tracerProvider: testing.provider, trustClientContext: false });
    api.startJourney({ requestId: "r", headers: { traceparent: CLIENT_TRACEPARENT } }).departed();
    const [apiSpan] = testing.spansNamed("llm_request");
    expect(apiSpan?.spanContext().traceId).not.toBe(CLIENT_TRACE_ID);
    expect(apiSpan?.parentSpanContext).toBeUndefined();
  });

  it("hands the core only trace context and the decision, never client headers", () => {
    const api = createApiTracer({ tracerProvider: testing.provider });
    const handle = api.startJourney({
      requestId: "r",
      headers: {
        traceparent: CLIENT_TRACEPARENT,
        authorization: "Bearer secret",
        "x-llm-journey-sampled": "0",
      },
    });
    expect(Object.keys(handle.coreHeaders).sort()).toEqual([
      "traceparent",
      "x-llm-journey-sampled",
    ]);
    expect(handle.coreHeaders["x-llm-journey-sampled"]).toBe("1");
    handle.departed();
  });
});

describe("sampling is decided once and is all or nothing", () => {
  it("traces exactly the same requests in both layers at rate 0.3", async () => {
    const api = createApiTracer({ tracerProvider: testing.provider, sampleRate: 0.3 });
    const total = 10_000;
    for (let i = 0; i < total; i++) {
      const handle = api.startJourney({ requestId: `r${i}` });
      await sendToCore(`r${i}`, handle.coreHeaders);
      handle.departed();
    }
    const apiTraces = new Set(
      testing.spansNamed("llm_request").map((span) => span.spanContext().traceId),
    );
    const coreTraces = new Set(
      testing.spansNamed("llm_core").map((span) => span.spanContext().traceId),
    );
    expect([...coreTraces].sort()).toEqual([...apiTraces].sort());
    expect(Math.abs(apiTraces.size / total - 0.3)).toBeLessThanOrEqual(0.02);
    assertNoTrackedEntries(api, "api");
  }, 60_000);

  it("creates nothing at rate 0, even for a client that sends x-llm-journey-sampled: 1", async () => {
    const api = createApiTracer({ tracerProvider: testing.provider, sampleRate: 0 });
    const handle = api.startJourney({
      requestId: "r",
      headers: { "x-llm-journey-sampled": "1", traceparent: CLIENT_TRACEPARENT },
    });
    expect(handle).toBe(NOOP_JOURNEY_HANDLE);
    expect(handle.coreHeaders).toEqual({ "x-llm-journey-sampled": "0" });
    await sendToCore("r", handle.coreHeaders);
    expect(testing.finishedSpans()).toHaveLength(0);
    expect(testing.openSpanCount()).toBe(0);
  });

  it("takes a new rate at run time and rejects an invalid one", () => {
    const api = createApiTracer({ tracerProvider: testing.provider, sampleRate: 0 });
    expect(api.startJourney({ requestId: "a" }).traced).toBe(false);
    api.sampleRate = 1;
    const handle = api.startJourney({ requestId: "b" });
    expect(handle.traced).toBe(true);
    handle.departed();
    expect(() => {
      api.sampleRate = 2;
    }).toThrow(/sampleRate must be a number in \[0, 1\]/);
    expect(api.sampleRate).toBe(1);
  });
});

describe("tracing off, sampled out, or broken", () => {
  it("gives every request the one shared no-op handle when disabled", async () => {
    const api = createApiTracer({ enabled: false, tracerProvider: testing.provider });
    const handles = new Set([
      api.startJourney({ requestId: "a" }),
      api.startJourney({ requestId: "b" }),
    ]);
    expect([...handles]).toEqual([NOOP_JOURNEY_HANDLE]);
    for await (const _ of traceStream(NOOP_JOURNEY_HANDLE, ["x"])) {
      // the no-op closes nothing and records nothing
    }
    expect(testing.finishedSpans()).toHaveLength(0);
    assertNoTrackedEntries(api, "api");
  });

  it("returns a sampled-out stream and promise as they are, with no wrapper", async () => {
    async function* tokens() {
      yield "a";
      yield "b";
    }
    const source = tokens();
    expect(traceStream(NOOP_JOURNEY_HANDLE, source)).toBe(source);
    const work = Promise.resolve("body");
    expect(tracePromise(NOOP_JOURNEY_HANDLE, work)).toBe(work);
    const failure = new Error("sync failure");
    await expect(
      tracePromise(NOOP_JOURNEY_HANDLE, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const seen: string[] = [];
    for await (const chunk of traceStream(NOOP_JOURNEY_HANDLE, ["x", "y"])) seen.push(chunk);
    expect(seen).toEqual(["x", "y"]);
    expect(testing.finishedSpans()).toHaveLength(0);
  });

  it("still times out and cancels a sampled-out promise: that is not tracing", async () => {
    const timedOut = tracePromise(NOOP_JOURNEY_HANDLE, new Promise(() => {}), { timeoutMs: 5 });
    await expect(timedOut).rejects.toMatchObject({ reason: "timeout" });
    const cancel = new AbortController();
    const cancelled = tracePromise(NOOP_JOURNEY_HANDLE, new Promise(() => {}), {
      signal: cancel.signal,
    });
    cancel.abort();
    await expect(cancelled).rejects.toMatchObject({ reason: "client_disconnect" });
  });

  it("uses the no-op without a provider and rejects invalid options at construction", () => {
    expect(createApiTracer().enabled).toBe(false);
    expect(() => createApiTracer({ sampleRate: -0.1 })).toThrow(/sampleRate/);
    expect(() => createApiTracer({ trustClientContext: "no" as unknown as boolean })).toThrow(
      /trustClientContext/,
    );
  });

  it("passes every chunk through unchanged when every span method throws", async () => {
    const errors: string[] = [];
    const api = createApiTracer({
      tracerProvider: createThrowingTracerProvider(),
      onError: (_e, op) => errors.push(op),
    });
    const handle = api.startJourney({ requestId: "r" });
    handle.setRequestAttributes({ model: "m", maxTokens: 3 });
    handle.handoffToCore();
    const seen: string[] = [];
    for await (const chunk of traceStream(handle, ["a", "b"])) seen.push(chunk);
    expect(seen).toEqual(["a", "b"]);
    expect(errors.length).toBeGreaterThan(0);
    assertNoTrackedEntries(api, "api");
  });
});
