import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractSpanContext, type HeaderMap } from "./index.js";
import { isKey, isValue } from "./test-support/trace-context-abnf.js";

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

/** Every character the key grammar allows, then every one the value grammar allows. */
const KEY_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_-*/@";
const VALUE_CHARACTERS = Array.from({ length: 0x7f - 0x20 }, (_, i) =>
  String.fromCharCode(0x20 + i),
)
  .filter((c) => c !== "," && c !== "=")
  .join("");

describe("a valid tracestate", () => {
  it.each([
    ["a single tracing system", "rojo=00f067aa0ba902b7"],
    ["two tracing systems", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"],
    ["a re-entered system first", "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7"],
    ["a two-member list", "vendorname1=opaqueValue1,vendorname2=opaqueValue2"],
  ])("keeps the specification's example of %s as it is", (_label, tracestate) => {
    expect(extracted(tracestate)).toBe(tracestate);
  });

  it.each([
    ["256 lowercase letters", "z".repeat(256)],
    ["an @ after 241 characters, then 14", `${"t".repeat(241)}@${"v".repeat(14)}`],
    ["an @ after one character, then 15", `t@${"v".repeat(15)}`],
    ["a leading digit", "1tenant"],
    ["only digits", "42"],
    ["an @ at the end", "foo@"],
    ["two @ in a row", "foo@@bar"],
    ["two @ apart", "foo@bar@baz"],
    ["an @ right after a leading digit", "1@2"],
    ["every key character", KEY_CHARACTERS],
  ])("accepts a key with %s, and the members beside it", (_label, key) => {
    const tracestate = `a=1,${key}=x,b=2`;
    expect(extracted(tracestate)).toBe(tracestate);
  });

  it.each([
    ["a one-character value", "a=x"],
    ["a 256-character value", `a=${"v".repeat(256)}`],
    ["a value with inner and leading spaces", "a= x y"],
    ["every value character, the leading space included", `a=${VALUE_CHARACTERS}`],
  ])("accepts %s", (_label, tracestate) => {
    expect(extracted(tracestate)).toBe(tracestate);
  });

  it("skips empty members and the spaces and tabs around members", () => {
    expect(extracted(" ,\t a=1 \t,, ,b=2,\t")).toBe("a=1,b=2");
    expect(extracted("foo=1 \t , \t bar=2, \t baz=3")).toBe("foo=1,bar=2,baz=3");
  });

  it("combines repeated headers with a comma, in order", () => {
    expect(extracted(["a=1 ,", "", " b=2"])).toBe("a=1,b=2");
    expect(extracted(["foo=1,bar=2", "rojo=1,congo=2", "baz=3"])).toBe(
      "foo=1,bar=2,rojo=1,congo=2,baz=3",
    );
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
    const keyCharacter = fc.constantFrom(...KEY_CHARACTERS);
    const key = fc
      .tuple(
        fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
        fc.string({ unit: keyCharacter, maxLength: 12 }),
      )
      .map(([first, rest]) => first + rest);
    const value = fc
      .string({ unit: fc.constantFrom(...VALUE_CHARACTERS), minLength: 1, maxLength: 20 })
      .filter((v) => !v.endsWith(" "));
    const members = fc.uniqueArray(fc.tuple(key, value), {
      selector: ([k]) => k,
      minLength: 1,
      maxLength: 32,
    });
    fc.assert(
      fc.property(members, (list) => {
        expect(list.every(([k, v]) => isKey(k) && isValue(v))).toBe(true);
        const tracestate = list.map(([k, v]) => `${k}=${v}`).join(",");
        expect(extracted(tracestate)).toBe(tracestate);
      }),
      { numRuns: 500 },
    );
  });
});

describe("a tracestate with a repeated key", () => {
  it.each([
    ["the same entry twice", "foo=1,foo=1", "foo=1"],
    ["two values", "foo=1,foo=2", "foo=1"],
    [
      "the specification's stale re-entry",
      "congo=congosFirstPosition,rojo=rojosFirstPosition,congo=congosSecondPosition",
      "congo=congosFirstPosition,rojo=rojosFirstPosition",
    ],
    ["members between and after", "a=1,b=2,a=3,c=4", "a=1,b=2,c=4"],
  ])("keeps the first entry of the key, in its place, for %s", (_label, tracestate, kept) => {
    expect(extracted(tracestate)).toBe(kept);
  });

  it.each([
    ["the same entry", ["foo=1", "foo=1"]],
    ["two values", ["foo=1", "foo=2"]],
  ])("keeps the first entry when repeated headers carry %s", (_label, tracestate) => {
    expect(extracted(tracestate)).toBe("foo=1");
  });

  it("counts every entry towards the 32 members", () => {
    expect(extracted(`${membersOf(31)},k0=again`)?.split(",")).toHaveLength(31);
    expect(extracted(`${membersOf(32)},k0=again`)).toBeUndefined();
  });
});

describe("an invalid tracestate", () => {
  it.each([
    ["33 members", membersOf(33)],
    ["an uppercase key", "a=1,B=2"],
    ["a key starting with @", "a=1,@foo=2"],
    ["a key starting with _", "a=1,_foo=2"],
    ["a 257-character key", `a=1,${"z".repeat(257)}=1`],
    ["a 257-character key holding an @", `a=1,${"t".repeat(242)}@${"v".repeat(14)}=1`],
    ["a key with a space", "a=1,b c=2"],
    ["a key with a dot", "a=1,foo.bar=2"],
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
