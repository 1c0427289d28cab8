import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type HeaderMap, headerValues, singleHeaderValue } from "./headers.js";

const NAME = "traceparent";

/** The header's one value by its definition: exactly one value, else undefined. */
function oracle(headers: HeaderMap | undefined): string | undefined {
  const values = headerValues(headers, NAME);
  return values?.length === 1 ? values[0] : undefined;
}

describe("the one value of a header", () => {
  it.each<[string, unknown, string | undefined]>([
    ["a lowercase key", { traceparent: "v" }, "v"],
    ["a key in another case", { TraceParent: "v" }, "v"],
    ["a one-item array", { traceparent: ["v"] }, "v"],
    ["an empty array beside a value", { traceparent: [], TRACEPARENT: "v" }, "v"],
    ["an undefined value beside a value", { traceparent: undefined, Traceparent: "v" }, "v"],
    ["the header absent", { host: "h" }, undefined],
    ["no header map", undefined, undefined],
    ["a two-item array", { traceparent: ["v", "w"] }, undefined],
    ["the same value under two cases", { traceparent: "v", TRACEPARENT: "v" }, undefined],
    ["a value and a one-item array", { traceparent: "v", Traceparent: ["w"] }, undefined],
    ["a number", { traceparent: 1 }, undefined],
    ["a number in an array", { traceparent: [1] }, undefined],
    ["null", { traceparent: null }, undefined],
    ["an inherited key", Object.create({ traceparent: "v" }), undefined],
  ])("with %s", (_label, headers, expected) => {
    expect(singleHeaderValue(headers as HeaderMap, NAME)).toBe(expected);
    expect(singleHeaderValue(headers as HeaderMap, NAME)).toBe(oracle(headers as HeaderMap));
  });

  it("is undefined, without throwing, for a throwing getter, a revoked proxy or unlistable keys", () => {
    const throwingGetter = Object.defineProperty({ traceparent: "v" }, "TraceParent", {
      enumerable: true,
      get: () => {
        throw new Error("boom");
      },
    });
    const revoked = Proxy.revocable({ traceparent: "v" }, {});
    revoked.revoke();
    const throwingKeys = new Proxy(
      { traceparent: "v" },
      {
        ownKeys: () => {
          throw new Error("boom");
        },
      },
    );
    for (const headers of [throwingGetter, revoked.proxy, throwingKeys]) {
      expect(singleHeaderValue(headers as HeaderMap, NAME)).toBeUndefined();
    }
  });

  it("agrees with headerValues on any map of strings, arrays and odd values in any case", () => {
    const key = fc.constantFrom("traceparent", "TraceParent", "TRACEPARENT", "host", "tracestate");
    const value = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
      fc.constantFrom(undefined, null, 7),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value), (headers) => {
        const map = headers as unknown as HeaderMap;
        expect(singleHeaderValue(map, NAME)).toBe(oracle(map));
      }),
      { numRuns: 1_000 },
    );
  });
});
