import { isValidSpanId, isValidTraceId, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractContext, extractSpanContext, type HeaderMap } from "./index.js";
import { formatTraceparent, parseTraceparent } from "./traceparent.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;
const FUTURE = `cc-${TRACE_ID}-${SPAN_ID}-01`;

describe("a valid traceparent", () => {
  it("becomes a remote span context on the root context", () => {
    const expected = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true };
    expect(extractSpanContext({ traceparent: VALID })).toEqual(expected);
    expect(trace.getSpanContext(extractContext({ traceparent: VALID }))).toEqual(expected);
  });

  it.each([
    ["00", 0],
    ["01", 1],
    ["02", 2],
    ["03", 3],
  ])("keeps flags %s: sampled and the Level 2 random trace id", (flags, byte) => {
    const traceparent = `00-${TRACE_ID}-${SPAN_ID}-${flags}`;
    expect(extractSpanContext({ traceparent })?.traceFlags).toBe(byte);
  });

  it.each([
    ["04", 0],
    ["09", 1],
    ["0a", 2],
    ["ff", 3],
    ["fc", 0],
  ])("drops the reserved bits of flags %s", (flags, byte) => {
    const traceparent = `00-${TRACE_ID}-${SPAN_ID}-${flags}`;
    expect(extractSpanContext({ traceparent })?.traceFlags).toBe(byte);
  });

  it.each([
    ["sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 1],
    ["not sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 0],
  ])("reads the specification's example of a caller that %s", (_label, traceparent, flags) => {
    expect(extractSpanContext({ traceparent })).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: flags,
      isRemote: true,
    });
  });

  it.each([
    ["spaces and tabs around it", { traceparent: ` \t${VALID}\t ` }],
    ["its name in another case", { TraceParent: VALID }],
    ["a one-element array", { traceparent: [VALID] }],
    ["a later version of exactly 55 characters", { traceparent: `01-${TRACE_ID}-${SPAN_ID}-01` }],
    ["a later version with extra fields", { traceparent: `${FUTURE}-what-the-future-holds` }],
    ["a later version with an empty extra field", { traceparent: `${FUTURE}-` }],
    [
      "a later version of 8192 characters",
      { traceparent: `${FUTURE}-${"a".repeat(8192 - FUTURE.length - 1)}` },
    ],
    ["a later version and unknown fields", { traceparent: `cc-${TRACE_ID}-${SPAN_ID}-01-a-b.c` }],
  ])("is read when given with %s", (_label, headers: HeaderMap) => {
    expect(extractSpanContext(headers)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
  });

  it("reads a later version by its first 55 characters, only the known flag bits kept", () => {
    const traceparent = `fe-${TRACE_ID}-${SPAN_ID}-ff-${"future".repeat(500)}`;
    expect(traceparent.length).toBeGreaterThan(512);
    expect(extractSpanContext({ traceparent })).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 3,
      isRemote: true,
    });
  });

  it("sets the span context on the given base context, keeping its values", () => {
    const key = Symbol("kept");
    const base = ROOT_CONTEXT.setValue(key, "yes");
    const context = extractContext({ traceparent: VALID }, { base });
    expect(context.getValue(key)).toBe("yes");
    expect(trace.getSpanContext(context)?.spanId).toBe(SPAN_ID);
  });
});

describe("an invalid traceparent", () => {
  it.each([
    ["an uppercase trace id", `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ["an uppercase parent id", `00-${TRACE_ID}-${SPAN_ID.toUpperCase()}-01`],
    ["uppercase flags", `00-${TRACE_ID}-${SPAN_ID}-0A`],
    ["an uppercase version", `0A-${TRACE_ID}-${SPAN_ID}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN_ID}-01`],
    ["an all-zero parent id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ["version ff with extra fields", `ff-${TRACE_ID}-${SPAN_ID}-01-extra`],
    ["version 00 with extra fields", `${VALID}-extra`],
    ["version 00 with a trailing dash", `${VALID}-`],
    ["version 00 with one-digit flags", `00-${TRACE_ID}-${SPAN_ID}-1`],
    ["a 31-digit trace id", `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ["a 33-digit trace id", `00-${TRACE_ID}a-${SPAN_ID}-01`],
    ["a 15-digit parent id", `00-${TRACE_ID}-${SPAN_ID.slice(1)}-01`],
    ["a one-digit version", `0-${TRACE_ID}-${SPAN_ID}-01`],
    ["a later version glued to more text", `${FUTURE}x`],
    ["a later version cut short", FUTURE.slice(0, 54)],
    ["a non-hex digit", `00-${TRACE_ID.slice(0, 31)}g-${SPAN_ID}-01`],
    ["other separators", VALID.replaceAll("-", "_")],
    ["spaces inside it", `00- ${TRACE_ID}-${SPAN_ID}-01`],
    ["a line break around it", `${VALID}\n`],
    ["garbage", "hello"],
    ["only dashes", "---"],
    ["an empty value", ""],
    ["only whitespace", " \t "],
    ["a later version glued to a dot", `${FUTURE}.what-the-future-will-be-like`],
    ["more than 8192 characters", `${FUTURE}-${"a".repeat(8192 - FUTURE.length)}`],
    ["a huge value", `${VALID}${"-a".repeat(100_000)}`],
  ])("is ignored when it has %s", (_label, traceparent) => {
    expect(extractSpanContext({ traceparent })).toBeUndefined();
    expect(extractContext({ traceparent })).toBe(ROOT_CONTEXT);
  });

  it.each([
    ["two values in an array", { traceparent: [VALID, VALID] }],
    ["two keys differing in case", { traceparent: VALID, TRACEPARENT: VALID }],
    ["an empty array", { traceparent: [] }],
    ["a number", { traceparent: 42 }],
    ["an object", { traceparent: { toString: () => VALID } }],
    ["a non-string array element", { traceparent: [VALID, 1] }],
  ])("is ignored when given as %s", (_label, headers) => {
    expect(extractSpanContext(headers as unknown as HeaderMap)).toBeUndefined();
  });

  it("leaves the base context unchanged", () => {
    const base = ROOT_CONTEXT.setValue(Symbol("k"), 1);
    expect(extractContext({ traceparent: "bad" }, { base })).toBe(base);
    expect(extractContext({}, { base })).toBe(base);
  });

  it("is ignored together with its tracestate", () => {
    expect(extractSpanContext({ traceparent: "bad", tracestate: "a=1" })).toBeUndefined();
  });
});

describe("header maps that cannot be read", () => {
  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a string", VALID],
    ["a number", 7],
  ])("give no context for %s", (_label, headers) => {
    expect(extractSpanContext(headers as unknown as HeaderMap)).toBeUndefined();
    expect(extractContext(headers as unknown as HeaderMap)).toBe(ROOT_CONTEXT);
  });

  it("give no context, without throwing, for throwing getters and proxies", () => {
    const throwingGetter = Object.defineProperty({}, "traceparent", {
      enumerable: true,
      get: () => {
        throw new Error("boom");
      },
    });
    const revoked = Proxy.revocable({ traceparent: VALID }, {});
    revoked.revoke();
    const throwingKeys = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error("boom");
        },
      },
    );
    for (const headers of [throwingGetter, revoked.proxy, throwingKeys]) {
      expect(extractContext(headers as HeaderMap)).toBe(ROOT_CONTEXT);
    }
  });
});

describe("the traceparent scanner", () => {
  // The regex the scanner replaced, kept as the reference it must agree with.
  const REFERENCE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/;
  function referenceParse(value: string) {
    if (value.length > 8192) return undefined;
    const header = value.replace(/^[ \t]+|[ \t]+$/g, "");
    const match = REFERENCE.exec(header);
    if (match === null) return undefined;
    const [, version, traceId = "", spanId = "", flags = ""] = match;
    if (version === "ff") return undefined;
    const tailOk =
      version === "00" ? header.length === 55 : header.length === 55 || header[55] === "-";
    if (!tailOk || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
    return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 0x03 };
  }
  // Mostly lowercase, so that whole valid headers are common.
  const hex = (length: number) =>
    fc.oneof(
      { arbitrary: fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)), weight: 4 },
      fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${length}}$`)),
    );
  const likely = <T>(arbitrary: fc.Arbitrary<T>) => ({ arbitrary, weight: 6 });
  const nearValid = fc
    .tuple(
      fc.oneof(fc.constantFrom("00", "ff", "cc", "0g"), hex(2)),
      fc.oneof(fc.constant("0".repeat(32)), likely(hex(32)), fc.string({ maxLength: 33 })),
      fc.oneof(fc.constant("0".repeat(16)), likely(hex(16))),
      fc.oneof(likely(hex(2)), fc.string({ maxLength: 2 })),
      fc.constantFrom("", "", "", "-", "-x", "x", " ", "\t", "- "),
      fc.constantFrom("", " ", "\t "),
      fc.constantFrom("-", "-", "-", "_"),
    )
    .map(
      ([version, traceId, spanId, flags, tail, pad, dash]) =>
        `${pad}${version}-${traceId}${dash}${spanId}-${flags}${tail}${pad}`,
    );

  it("reads every header exactly as the reference regex does", () => {
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(likely(nearValid), fc.string({ maxLength: 70 })), (value) => {
        const expected = referenceParse(value);
        if (expected !== undefined) valid++;
        expect(parseTraceparent(value)).toEqual(expected);
      }),
      { numRuns: 5_000 },
    );
    // Both outcomes must be exercised, or the comparison proves little.
    expect(valid).toBeGreaterThan(250);
  });

  it("formats exactly the span contexts the OpenTelemetry validators accept, in lowercase", () => {
    const id = (length: number) =>
      fc.oneof(hex(length), fc.constant("0".repeat(length)), fc.string({ maxLength: length + 1 }));
    const flagsOf = fc.oneof(
      fc.integer({ min: -1, max: 300 }),
      fc.integer(),
      fc.double(),
      fc.constantFrom(-1, 0x10, 0xff, Number.NaN, Number.POSITIVE_INFINITY),
    );
    fc.assert(
      fc.property(id(32), id(16), flagsOf, (traceId, spanId, flags) => {
        const lowerTrace = traceId.toLowerCase();
        const lowerSpan = spanId.toLowerCase();
        // Only sampled (0x01) and random (0x02) may be set in version 00.
        const known = (flags & 0x03).toString(16).padStart(2, "0");
        const expected =
          isValidTraceId(lowerTrace) && isValidSpanId(lowerSpan)
            ? `00-${lowerTrace}-${lowerSpan}-${known}`
            : undefined;
        expect(formatTraceparent({ traceId, spanId, traceFlags: flags })).toBe(expected);
      }),
      { numRuns: 5_000 },
    );
  });
});
