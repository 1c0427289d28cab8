import {
  type Context,
  createTraceState,
  ROOT_CONTEXT,
  type SpanContext,
  type TraceState,
  trace,
} from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import {
  extractContext,
  extractSpanContext,
  type HeaderMap,
  injectContext,
  injectSpanContext,
} from "./index.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

const spanContextOf = (traceState: TraceState, traceFlags = 1): SpanContext => ({
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  traceFlags,
  traceState,
});

/** A TraceState holding `members` as given, unchecked, in this order. */
const stateOf = (...members: [key: string, value: string][]) =>
  members.reduceRight((state, [key, value]) => state.set(key, value), createTraceState());

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
      traceFlags: 0x101,
    });
    expect(injectContext({}, context).traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
  });

  it.each([
    [-1, "03"],
    [0x10, "00"],
    [0x04, "00"],
    [0xff, "03"],
    [0x1fe, "02"],
    [Number.NaN, "00"],
    [1.5, "01"],
  ])("writes only the sampled and random bits of trace flags %d", (traceFlags, written) => {
    expect(injectContext({}, contextOf(traceFlags)).traceparent).toBe(
      `00-${TRACE_ID}-${SPAN_ID}-${written}`,
    );
  });

  it.each([
    ["ff", "03"],
    ["fd", "01"],
    ["06", "02"],
    ["80", "00"],
  ])("forwards an incoming flags byte %s with its reserved bits zero", (incoming, written) => {
    const headers = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-${incoming}` };
    expect(injectContext({}, extractContext(headers)).traceparent).toBe(
      `00-${TRACE_ID}-${SPAN_ID}-${written}`,
    );
  });

  it("leaves out an empty trace state and one with no valid member", () => {
    expect(injectContext({}, contextOf(1, "")).tracestate).toBeUndefined();
    const merged = injectSpanContext({}, spanContextOf(createTraceState().set("Bad Key", "x,y")));
    expect(merged.traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(merged.tracestate).toBeUndefined();
  });

  it.each([0, 1, 2, 3])("round-trips trace flags %i through extraction", (flags) => {
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

describe("injecting a trace state", () => {
  const tracestateOf = (traceState: TraceState) =>
    injectSpanContext({}, spanContextOf(traceState)).tracestate;

  it("writes a valid state exactly as it serializes", () => {
    const state = stateOf(["congo", "ucfJifl5GOE"], ["rojo", "00f067aa0ba902b7"], ["t@v", " x"]);
    expect(tracestateOf(state)).toBe("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7,t@v= x");
  });

  it("writes keys of the Level 2 grammar", () => {
    const key = `${"t".repeat(241)}@${"v".repeat(14)}`;
    const state = stateOf(["1tenant", "a"], [key, "b"], ["foo@@bar", "c"]);
    expect(tracestateOf(state)).toBe(`1tenant=a,${key}=b,foo@@bar=c`);
  });

  it("never lets a value holding a comma or an equals sign make a member appear", () => {
    expect(tracestateOf(stateOf(["k", "a,b=c"]))).toBeUndefined();
    expect(tracestateOf(stateOf(["x", "1"], ["k", "a,b=c"], ["y", "2"]))).toBe("x=1,y=2");
    expect(tracestateOf(stateOf(["k", "a=b"]))).toBeUndefined();
    expect(tracestateOf(stateOf(["a=b", "c"], ["x,y", "1"]))).toBeUndefined();
  });

  it("keeps a member hidden in another's value only when the state holds it", () => {
    expect(tracestateOf(stateOf(["k", "a,b=c"], ["b", "c"]))).toBe("b=c");
  });

  it.each([
    ["a trailing space", "v "],
    ["a trailing tab", "v\t"],
    ["an empty value", ""],
    ["a 257-character value", "v".repeat(257)],
    ["a line break", "a\nb"],
    ["a non-ASCII character", "é"],
  ])("drops only the member whose value has %s", (_label, value) => {
    expect(tracestateOf(stateOf(["a", "1"], ["k", value], ["b", "2"]))).toBe("a=1,b=2");
  });

  it.each([
    ["an uppercase letter", "Key"],
    ["a leading @", "@key"],
    ["a space", "k y"],
    ["257 characters", "k".repeat(257)],
    ["nothing", ""],
  ])("drops only the member whose key has %s", (_label, key) => {
    expect(tracestateOf(stateOf(["a", "1"], [key, "v"], ["b", "2"]))).toBe("a=1,b=2");
  });

  it("writes a key once, however often a hand-made state serializes it", () => {
    const twice: TraceState = {
      serialize: () => "a=1,b=2,a=1",
      get: (key) => ({ a: "1", b: "2" })[key],
      set: () => twice,
      unset: () => twice,
    };
    expect(tracestateOf(twice)).toBe("a=1,b=2");
  });

  it("forwards the first entry of a key the incoming header repeated", () => {
    const incoming = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: "foo=1,foo=2" };
    expect(injectContext({}, extractContext(incoming)).tracestate).toBe("foo=1");
  });

  it("still writes the traceparent when the state cannot be serialized", () => {
    const state = createTraceState("a=1");
    const throwing: TraceState = {
      serialize: () => {
        throw new Error("boom");
      },
      get: (key) => state.get(key),
      set: () => throwing,
      unset: () => throwing,
    };
    expect(injectSpanContext({ other: "1" }, spanContextOf(throwing))).toEqual({
      other: "1",
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
    });
  });

  it("keeps the first 32 members of a state that grew past 32", () => {
    const members = Array.from({ length: 33 }, (_, i): [string, string] => [`k${i}`, `${i}`]);
    const written = tracestateOf(stateOf(...members));
    expect(written).toBe(
      members
        .slice(0, 32)
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    );
  });

  it("cuts a state over 8192 characters by whole entries, the long ones first", () => {
    // Entries of 16 + 1 + 256 = 273 characters, and of 6 + 1 + 100 = 107.
    const long = (i: number): [string, string] => [`long${i}`.padEnd(16, "x"), "v".repeat(256)];
    const short = (i: number): [string, string] => [`short${i}`, "s".repeat(100)];
    const longs = Array.from({ length: 30 }, (_, i) => long(i));
    const shorts = [short(0), short(1)];
    // 29 long and 2 short entries with their commas: 8161 characters, written whole.
    const fits = stateOf(...longs.slice(0, 29), ...shorts);
    expect(tracestateOf(fits)).toBe(fits.serialize());
    expect(fits.serialize()).toHaveLength(8161);
    // One more long entry makes 8435: the last long entry goes, the short ones after it stay.
    expect(tracestateOf(stateOf(...longs, ...shorts))).toBe(fits.serialize());
  });
});
