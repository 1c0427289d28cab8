import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractSpanContext, type HeaderMap } from "./index.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

/** The serialized tracestate extracted next to a valid traceparent, or undefined. */
const extracted = (tracestate: HeaderMap[string]) =>
  extractSpanContext({ traceparent: TRACEPARENT, tracestate })?.traceState?.serialize();

const membersOf = (count: number) =>
  Array.from({ length: count }, (_, i) => `k${i}=v${i}`).join(",");

/** Valid members of 453 or 454 characters each. */
const bigMembersOf = (count: number) =>
  Array.from({ length: count }, (_, i) => `${"k".repeat(250)}${i}=${"v".repeat(200)}`).join(",");

describe("a valid tracestate", () => {
  it("keeps simple and multi-tenant members in their order", () => {
    expect(extracted("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,1tenant@vendor=a b")).toBe(
      "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,1tenant@vendor=a b",
    );
  });

  it.each([
    ["key characters _ - * /", "a0_-*/z=1"],
    ["a 256-character simple key", `a${"b".repeat(255)}=1`],
    ["a 241-character tenant id", `${"t".repeat(241)}@v=1`],
    ["a 14-character system id", `t@${"s".repeat(14)}=1`],
    ["a one-character value", "a=x"],
    ["a 256-character value", `a=${"v".repeat(256)}`],
    ["a value with inner and leading spaces", "a= x y"],
    ["every printable character allowed in a value", `a=${allowedValueCharacters()}`],
  ])("accepts %s", (_label, tracestate) => {
    expect(extracted(tracestate)).toBe(tracestate);
  });

  it("skips empty members and the spaces and tabs around members", () => {
    expect(extracted(" ,\t a=1 \t,, ,b=2,\t")).toBe("a=1,b=2");
  });

  it("combines repeated headers with a comma", () => {
    expect(extracted(["a=1 ,", "", " b=2"])).toBe("a=1,b=2");
  });

  it("matches its header name in any case", () => {
    const spanContext = extractSpanContext({ traceparent: TRACEPARENT, TraceState: "a=1" });
    expect(spanContext?.traceState?.serialize()).toBe("a=1");
  });

  it("accepts 32 members, however many empty members sit between them", () => {
    expect(extracted(membersOf(32))?.split(",")).toHaveLength(32);
    expect(extracted(`${membersOf(32).replaceAll(",", ",,")},,`)?.split(",")).toHaveLength(32);
  });

  it("is kept whole when longer than 512 characters, up to 8192", () => {
    const long = bigMembersOf(18);
    expect(long.length).toBeGreaterThan(8000);
    expect(long.length).toBeLessThanOrEqual(8192);
    expect(extracted(long)).toBe(long);
  });

  it("keeps every generated member list whole and in order", () => {
    const key = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9_\-*/]{0,12}$/),
      fc.stringMatching(/^[a-z0-9][a-z0-9_\-*/]{0,6}@[a-z][a-z0-9_\-*/]{0,13}$/),
    );
    const value = fc.stringMatching(
      /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,20}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/,
    );
    const members = fc.uniqueArray(fc.tuple(key, value), {
      selector: ([k]) => k,
      minLength: 1,
      maxLength: 32,
    });
    fc.assert(
      fc.property(members, (list) => {
        const tracestate = list.map(([k, v]) => `${k}=${v}`).join(",");
        expect(extracted(tracestate)).toBe(tracestate);
      }),
      { numRuns: 500 },
    );
  });
});

describe("an invalid tracestate", () => {
  it.each([
    ["33 members", membersOf(33)],
    ["a repeated key", "a=1,b=2,a=3"],
    ["an uppercase key", "a=1,B=2"],
    ["a simple key starting with a digit", "a=1,1b=2"],
    ["a 257-character simple key", `a=1,a${"b".repeat(256)}=1`],
    ["a 242-character tenant id", `a=1,${"t".repeat(242)}@v=1`],
    ["a 15-character system id", `a=1,t@${"s".repeat(15)}=1`],
    ["a system id starting with a digit", "a=1,t@1v=1"],
    ["two @ in a key", "a=1,t@v@w=1"],
    ["a key with a space", "a=1,b c=2"],
    ["a missing key", "a=1,=2"],
    ["a missing value", "a=1,b="],
    ["a member without =", "a=1,b"],
    ["an = inside a value", "a=1,b=x=y"],
    ["a 257-character value", `a=1,b=${"v".repeat(257)}`],
    ["a control character in a value", "a=1,b=x\u0001y"],
    ["a tab inside a value", "a=1,b=x\ty"],
    ["a DEL in a value", "a=1,b=x\u007f"],
    ["a non-ASCII value", "a=1,b=é"],
    ["a line break", "a=1\n,b=2"],
    ["more than 8192 characters", bigMembersOf(19)],
  ])("is discarded whole, keeping the parent, when it has %s", (_label, tracestate) => {
    const spanContext = extractSpanContext({ traceparent: TRACEPARENT, tracestate });
    expect(spanContext?.spanId).toBe(SPAN_ID);
    expect(spanContext?.traceState).toBeUndefined();
  });

  it("is discarded whole when a key repeats across repeated headers", () => {
    expect(extracted(["a=1", "a=2"])).toBeUndefined();
  });

  it("is discarded whole when an array holds a value that is not a string", () => {
    expect(extracted(["a=1", 2] as unknown as string[])).toBeUndefined();
  });

  it.each([
    ["nothing but empty members", " , ,\t"],
    ["an empty value", ""],
    ["an empty array", []],
  ])("gives no trace state for %s", (_label, tracestate) => {
    expect(
      extractSpanContext({ traceparent: TRACEPARENT, tracestate })?.traceState,
    ).toBeUndefined();
  });
});

function allowedValueCharacters(): string {
  let characters = "";
  for (let code = 0x21; code <= 0x7e; code++) {
    if (code !== 0x2c && code !== 0x3d) characters += String.fromCharCode(code);
  }
  return characters.slice(0, 256);
}
