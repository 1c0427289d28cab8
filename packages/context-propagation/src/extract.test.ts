import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { extractContext, extractSpanContext } from "./extract.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe("extracting a traceparent", () => {
  it("reads a valid version-00 traceparent as a remote span context", () => {
    expect(extractSpanContext({ traceparent: VALID })).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    });
  });

  it("keeps the whole flags byte, including the Level 2 random-trace-id bit", () => {
    expect(extractSpanContext({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-03` })?.traceFlags).toBe(3);
  });

  it("matches the header name in any case and trims surrounding spaces", () => {
    expect(extractSpanContext({ TraceParent: ` ${VALID} ` })?.traceId).toBe(TRACE_ID);
  });

  it.each([
    ["uppercase hex", `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN_ID}-01`],
    ["an all-zero parent id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ["version 00 with extra fields", `${VALID}-extra`],
    ["a short trace id", `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ["a future version glued to more text", `01-${TRACE_ID}-${SPAN_ID}-01x`],
    ["garbage", "hello"],
    ["an empty value", ""],
    ["an oversized value", `${VALID}${"-a".repeat(1000)}`],
  ])("ignores a traceparent with %s", (_label, traceparent) => {
    expect(extractSpanContext({ traceparent })).toBeUndefined();
    expect(extractContext({ traceparent })).toBe(ROOT_CONTEXT);
  });

  it("accepts a future version with extra fields after a dash", () => {
    expect(
      extractSpanContext({ traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-holds` })
        ?.spanId,
    ).toBe(SPAN_ID);
  });

  it("ignores a repeated traceparent", () => {
    expect(extractSpanContext({ traceparent: [VALID, VALID] })).toBeUndefined();
  });

  it("ignores values that are not strings and missing header maps", () => {
    expect(extractSpanContext({ traceparent: 42 as unknown as string })).toBeUndefined();
    expect(extractSpanContext(undefined)).toBeUndefined();
    expect(extractSpanContext(null as unknown as undefined)).toBeUndefined();
  });

  it("sets the span context on the given base context", () => {
    const key = Symbol("k");
    const base = ROOT_CONTEXT.setValue(key, "kept");
    const context = extractContext({ traceparent: VALID }, { base });
    expect(context.getValue(key)).toBe("kept");
    expect(trace.getSpanContext(context)?.spanId).toBe(SPAN_ID);
  });
});

describe("extracting a tracestate strictly", () => {
  const state = (tracestate: string | string[]) =>
    extractSpanContext({ traceparent: VALID, tracestate })?.traceState?.serialize();

  it("keeps valid simple and multi-tenant members in order", () => {
    expect(state("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE, tenant1@vendor=a b")).toBe(
      "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,tenant1@vendor=a b",
    );
  });

  it("combines repeated headers and skips empty members and optional whitespace", () => {
    expect(state(["a=1 ,\t", " , b=2"])).toBe("a=1,b=2");
  });

  it("accepts 32 members and discards all 33", () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v${i}`).join(",");
    expect(state(members(32))?.split(",")).toHaveLength(32);
    expect(state(members(33))).toBeUndefined();
  });

  it.each([
    ["an uppercase key", "a=1,B=2"],
    ["a value with a comma-free equals sign", "a=1,b=x=y"],
    ["a control character in a value", "a=1,b=x\u0001y"],
    ["a missing value", "a=1,b="],
    ["a missing key", "=1"],
    ["a repeated key", "a=1,a=2"],
    ["a too long system id", "t@abcdefghijklmno=1"],
    ["a non-ASCII value", "a=é"],
  ])("discards the whole tracestate for %s, keeping the parent", (_label, tracestate) => {
    const context = extractSpanContext({ traceparent: VALID, tracestate });
    expect(context?.spanId).toBe(SPAN_ID);
    expect(context?.traceState).toBeUndefined();
  });

  it("ignores the tracestate when the traceparent is invalid", () => {
    expect(extractSpanContext({ traceparent: "bad", tracestate: "a=1" })).toBeUndefined();
  });
});
