import { createTraceState, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractContext, extractSpanContext } from "./extract.js";
import { injectContext } from "./inject.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const OUTGOING_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const contextOf = (traceFlags: number, tracestate?: string) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  });

describe("injecting a span context", () => {
  it("returns a new map with the other headers kept and the input untouched", () => {
    const incoming = Object.freeze({ "content-type": "application/json", accept: ["a", "b"] });
    const merged = injectContext(incoming, contextOf(1, "vendor=x"));
    expect(merged).toEqual({
      "content-type": "application/json",
      accept: "a, b",
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      tracestate: "vendor=x",
    });
    expect(incoming).toEqual({ "content-type": "application/json", accept: ["a", "b"] });
  });

  it("replaces trace headers sent in any case", () => {
    const merged = injectContext({ TraceParent: "old", TRACESTATE: "old=1" }, contextOf(0));
    expect(Object.keys(merged)).toEqual(["traceparent"]);
    expect(merged.traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-00`);
  });

  it("removes stale trace headers when the context holds no span", () => {
    expect(injectContext({ traceparent: "old", other: "1" }, ROOT_CONTEXT)).toEqual({ other: "1" });
  });

  it("round-trips through extraction", () => {
    const merged = injectContext({}, contextOf(3, "a=1,b=2"));
    const extracted = extractSpanContext(merged);
    expect(extracted).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 3,
      isRemote: true,
    });
    expect(extracted?.traceState?.serialize()).toBe("a=1,b=2");
  });
});

describe("fuzzed trace headers", () => {
  const headerValue = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.constantFrom(`00-${TRACE_ID}-${SPAN_ID}-01`, "a=1,b=2", "t@v=x"),
    fc
      .tuple(
        fc.stringMatching(/^[0-9a-f]{2}$/),
        fc.stringMatching(/^[0-9a-f]{32}$/),
        fc.stringMatching(/^[0-9a-f]{16}$/),
        fc.stringMatching(/^[0-9a-fA-F]{2}$/),
      )
      .map((parts) => parts.join("-")),
  );

  it("never throws and never produces an invalid outgoing header", () => {
    fc.assert(
      fc.property(
        headerValue,
        fc.array(headerValue, { maxLength: 3 }),
        (traceparent, tracestate) => {
          const context = extractContext({ traceparent, tracestate });
          const out = injectContext({}, context);
          if (out.traceparent !== undefined) expect(out.traceparent).toMatch(OUTGOING_TRACEPARENT);
          if (out.tracestate !== undefined) {
            const again = extractSpanContext(out);
            expect(again?.traceState?.serialize()).toBe(out.tracestate);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
