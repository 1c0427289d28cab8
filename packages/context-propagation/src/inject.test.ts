import { type Context, createTraceState, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { extractContext, extractSpanContext, type HeaderMap, injectContext } from "./index.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

const contextOf = (traceFlags: number, tracestate?: string) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags,
    ...(tracestate === undefined ? {} : { traceState: createTraceState(tracestate) }),
  });

describe("injecting a span context", () => {
  it("returns a new map with the other headers kept and the input untouched", () => {
    const incoming = Object.freeze({
      "Content-Type": "application/json",
      accept: Object.freeze(["text/plain", "application/json"]),
    });
    const merged = injectContext(incoming, contextOf(1, "vendor=x"));
    expect(merged).toEqual({
      "Content-Type": "application/json",
      accept: "text/plain,application/json",
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      tracestate: "vendor=x",
    });
    expect(merged).not.toBe(incoming);
    expect(incoming.accept).toEqual(["text/plain", "application/json"]);
  });

  it("replaces trace headers sent in any case", () => {
    const incoming = { TraceParent: "old", TRACESTATE: "old=1", traceparent: "older" };
    const merged = injectContext(incoming, contextOf(0));
    expect(merged).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` });
    expect(incoming.TraceParent).toBe("old");
  });

  it("works without a header map", () => {
    expect(injectContext(undefined, contextOf(1))).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
  });

  it("joins cookie pieces with a semicolon, keeps numbers and drops other values", () => {
    const incoming = {
      cookie: ["a=1", "b=2"],
      "content-length": 12,
      "x-object": { a: 1 },
      "x-absent": undefined,
      "x-empty": [],
      "x-mixed": ["a", 1, null],
    } as unknown as HeaderMap;
    expect(injectContext(incoming, ROOT_CONTEXT)).toEqual({
      cookie: "a=1; b=2",
      "content-length": "12",
      "x-mixed": "a,1",
    });
  });

  it.each([
    ["no span", ROOT_CONTEXT],
    [
      "an invalid span context",
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: "0".repeat(32),
        spanId: SPAN_ID,
        traceFlags: 1,
      }),
    ],
    ["something that is not a context", undefined as unknown as Context],
  ])("removes stale trace headers when the context holds %s", (_label, context) => {
    const incoming = { traceparent: "old", tracestate: "a=1", other: "1" };
    expect(injectContext(incoming, context)).toEqual({ other: "1" });
  });

  it("writes uppercase ids from a hand-made span context in lowercase", () => {
    const context = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID.toUpperCase(),
      spanId: SPAN_ID.toUpperCase(),
      traceFlags: 0x1ff,
    });
    expect(injectContext({}, context).traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-ff`);
  });

  it("leaves out an empty trace state and one a strict reader would discard", () => {
    expect(injectContext({}, contextOf(1, "")).tracestate).toBeUndefined();
    const unchecked = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      traceState: createTraceState().set("Bad Key", "x,y"),
    });
    const merged = injectContext({}, unchecked);
    expect(merged.traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(merged.tracestate).toBeUndefined();
  });

  it.each([0, 1, 2, 3, 255])("round-trips trace flags %i through extraction", (flags) => {
    const extracted = extractSpanContext(injectContext({}, contextOf(flags, "a=1,t@v=2")));
    expect(extracted).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: flags,
      isRemote: true,
    });
    expect(extracted?.traceState?.serialize()).toBe("a=1,t@v=2");
  });

  it("passes on an extracted context unchanged", () => {
    const incoming = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-03`, tracestate: "b=1, a=2" };
    expect(injectContext({}, extractContext(incoming))).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-03`,
      tracestate: "b=1,a=2",
    });
  });

  it("normalizes a later traceparent version to 00", () => {
    const incoming = { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-future` };
    expect(injectContext({}, extractContext(incoming)).traceparent).toBe(
      `00-${TRACE_ID}-${SPAN_ID}-01`,
    );
  });
});
