import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ForwardedSpan } from "./engine-contract.js";
import { SpanForwarder } from "./span-forwarder.js";

let batches: ForwardedSpan[][];
let errors: string[];
let forwarder: SpanForwarder;
let provider: BasicTracerProvider;

beforeEach(() => {
  vi.useFakeTimers();
  batches = [];
  errors = [];
  forwarder = new SpanForwarder({
    send: (spans) => batches.push(spans),
    onError: (_error, operation) => errors.push(operation),
  });
  provider = new BasicTracerProvider({ spanProcessors: [forwarder] });
});

afterEach(async () => {
  await provider.shutdown();
  vi.useRealTimers();
});

const end = (name: string) => provider.getTracer("llm-journey.scheduler").startSpan(name).end();

describe("the span forwarder", () => {
  it("sends the spans of one step as one batch of structured-clone-safe JSON texts", () => {
    end("a");
    end("b");
    expect(batches).toEqual([]);
    forwarder.flush();
    expect(batches.map((batch) => batch.map((span) => span.name))).toEqual([["a", "b"]]);
    expect(structuredClone(batches[0])).toEqual(batches[0]);
    // The text is the whole span, filed by the trace id beside it.
    const [a] = batches[0] as ForwardedSpan[];
    expect(JSON.parse(a?.json ?? "")).toMatchObject({
      name: "a",
      traceId: a?.traceId,
      scope: "llm-journey.scheduler",
    });
    forwarder.flush(); // nothing new: no empty batch
    expect(batches).toHaveLength(1);
  });

  it("sends spans that end between steps when its timer fires, and only once", () => {
    end("between steps");
    vi.advanceTimersByTime(20);
    expect(batches.map((batch) => batch.map((span) => span.name))).toEqual([["between steps"]]);
    // A step flush before the timer leaves the timer nothing to send.
    end("in a step");
    forwarder.flush();
    vi.advanceTimersByTime(20);
    expect(batches.map((batch) => batch.map((span) => span.name))).toEqual([
      ["between steps"],
      ["in a step"],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("sends what is pending and leaves no timer at shutdown", async () => {
    end("last");
    await provider.shutdown();
    expect(batches.map((batch) => batch.map((span) => span.name))).toEqual([["last"]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("reports a failing send to its error handler, never to the engine", () => {
    const failing = new SpanForwarder({
      send: () => {
        throw new Error("port closed");
      },
      onError: (_error, operation) => errors.push(operation),
    });
    const other = new BasicTracerProvider({ spanProcessors: [failing] });
    other.getTracer("t").startSpan("x").end();
    expect(() => failing.flush()).not.toThrow();
    expect(errors).toEqual(["SpanForwarder.flush"]);
    return other.shutdown();
  });
});
