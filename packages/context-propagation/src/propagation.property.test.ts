import { createTraceState, type SpanContext, type TraceState } from "@opentelemetry/api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  extractContext,
  extractSpanContext,
  type HeaderMap,
  injectContext,
  injectSampledSpanContext,
  injectSpanContext,
  readSampledHeader,
  stripSampledHeader,
  withSampledHeader,
} from "./index.js";
import {
  isKey,
  isOutgoingTraceparent,
  isOutgoingTracestate,
  isValue,
  tracestateMembers,
} from "./test-support/trace-context-abnf.js";

const RUNS = { numRuns: 1_000 };
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

const often = <T>(arbitrary: fc.Arbitrary<T>, weight = 5) => ({ arbitrary, weight });
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));

/** Mostly near-valid traceparents, later versions and every flags byte included. */
const traceparentText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  often(
    fc
      .tuple(
        fc.oneof(often(fc.constant("00")), fc.stringMatching(/^[0-9a-fA-F]{2}$/)),
        fc.oneof(often(hex(32)), fc.constant("0".repeat(32))),
        fc.oneof(often(hex(16)), fc.constant("0".repeat(16))),
        fc.oneof(often(hex(2)), fc.stringMatching(/^[0-9A-F]{2}$/)),
        fc.oneof(
          often(fc.constant("")),
          fc.constantFrom("-", "-x", "x", " ", "\t-future", ".future"),
          fc.string({ maxLength: 600 }).map((tail) => `-${tail}`),
        ),
      )
      .map(
        ([version, traceId, spanId, flags, tail]) =>
          `${version}-${traceId}-${spanId}-${flags}${tail}`,
      ),
    10,
  ),
);

const KEY_CHARACTERS = [..."abcdefghijklmnopqrstuvwxyz0123456789_-*/@"];
/** Keys of the Level 2 grammar: a lowercase letter or digit, then any key character. */
const levelTwoKey = fc
  .tuple(
    fc.constantFrom(...KEY_CHARACTERS.slice(0, 36)),
    fc.string({ unit: fc.constantFrom(...KEY_CHARACTERS), maxLength: 10 }),
  )
  .map(([first, rest]) => first + rest);
/** Values of the grammar: printable ASCII but "," and "=", not ending in a space. */
const validValue = fc.stringMatching(
  /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,12}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/,
);

/** Member lists that are mostly valid, with the odd broken member, repeated key or blank. */
const tracestateText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  often(
    fc
      .array(
        fc.oneof(
          often(
            fc
              .tuple(
                fc.oneof(fc.constantFrom("a", "b", "t@v", "foo@", "1"), levelTwoKey),
                validValue,
              )
              .map(([key, value]) => `${key}=${value}`),
            12,
          ),
          fc.constantFrom("", " ", "\t", "@a=1", "A=1", "a=1 2 ", "a=", "=1", "a=b=c"),
          fc.string({ maxLength: 10 }),
        ),
        { maxLength: 34 },
      )
      .chain((members) =>
        fc.constantFrom(",", ", ", " ,\t", ",,").map((separator) => members.join(separator)),
      ),
    10,
  ),
);

const headerValue = <T>(text: fc.Arbitrary<T>) =>
  fc.oneof(often(text, 10), fc.array(text, { maxLength: 3 }), fc.constant(undefined));

/** What a strict reader keeps of an incoming tracestate, by the independent grammar. */
function expectedTracestate(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  const combined = typeof value === "string" ? value : value.join(",");
  if (combined.length > 8192) return undefined;
  const members = tracestateMembers(combined);
  if (members === undefined || members.length === 0 || members.length > 32) return undefined;
  const firstOfEachKey = members.filter(([key], i) => members.findIndex(([k]) => k === key) === i);
  return firstOfEachKey.map(([key, memberValue]) => `${key}=${memberValue}`).join(",");
}

describe("fuzzed trace headers", () => {
  it("go out only as valid headers, every kept incoming member unchanged", () => {
    fc.assert(
      fc.property(
        headerValue(traceparentText),
        headerValue(tracestateText),
        (traceparent, tracestate) => {
          const headers: HeaderMap = { traceparent, tracestate };
          const extracted = extractSpanContext(headers);
          const out = injectContext({}, extractContext(headers));
          if (extracted === undefined) {
            expect(out).toEqual({});
            return;
          }
          const written = out.traceparent ?? "";
          expect(isOutgoingTraceparent(written), written).toBe(true);
          expect(written).toBe(
            `00-${extracted.traceId}-${extracted.spanId}-0${extracted.traceFlags}`,
          );
          expect(out.tracestate).toBe(expectedTracestate(tracestate));
          if (out.tracestate !== undefined) {
            expect(isOutgoingTracestate(out.tracestate), out.tracestate).toBe(true);
          }
          const again = extractSpanContext(out);
          expect(again?.traceFlags).toBe(extracted.traceFlags);
          expect(again?.traceState?.serialize()).toBe(out.tracestate);
        },
      ),
      RUNS,
    );
  });

  it("never make any function throw, whatever the header map holds", () => {
    const name = fc.oneof(
      fc.constantFrom("traceparent", "TraceParent", "tracestate", "x-llm-journey-sampled"),
      fc.string({ maxLength: 12 }),
    );
    const headers = fc.oneof(
      fc.dictionary(name, fc.anything(), { maxKeys: 6 }),
      fc.anything(),
    ) as fc.Arbitrary<HeaderMap>;
    fc.assert(
      fc.property(headers, fc.boolean(), (map, sampled) => {
        extractContext(map);
        injectContext(map, extractContext(map));
        readSampledHeader(map);
        withSampledHeader(map, sampled);
        stripSampledHeader(map);
      }),
      RUNS,
    );
  });
});

describe("injected span contexts", () => {
  const anyKey = fc.oneof(
    levelTwoKey,
    fc.constantFrom("a", "k", "Bad Key", "@x", "x,y", "a=b", "", "K"),
    fc.string({ maxLength: 6 }),
  );
  const anyValue = fc.oneof(
    validValue,
    fc.constantFrom("1", "a,b=c", "v ", "", "x=y", " v", "a,k=1"),
    fc.string({ maxLength: 8 }),
  );
  const traceFlags = fc.oneof(
    fc.integer({ min: -1, max: 0x1ff }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(-1, 0x10, 0xff, Number.NaN),
  );

  it("write a valid traceparent and only members the trace state holds", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyKey, anyValue), { maxLength: 12 }),
        traceFlags,
        (pairs, flags) => {
          const traceState: TraceState = pairs.reduce(
            (state, [key, value]) => state.set(key, value),
            createTraceState(),
          );
          const out = injectSpanContext(
            {},
            { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: flags, traceState },
          );
          const written = out.traceparent ?? "";
          expect(isOutgoingTraceparent(written), written).toBe(true);
          expect(written).toBe(`00-${TRACE_ID}-${SPAN_ID}-0${flags & 0x03}`);

          const members = out.tracestate === undefined ? [] : tracestateMembers(out.tracestate);
          if (out.tracestate !== undefined) {
            expect(isOutgoingTracestate(out.tracestate), out.tracestate).toBe(true);
          }
          // No member from nowhere: each one written is one the state holds.
          for (const [key, value] of members ?? []) expect(traceState.get(key)).toBe(value);
          // And every valid member the state holds is written.
          const keys = new Set(pairs.map(([key]) => key));
          for (const key of keys) {
            const value = traceState.get(key) ?? "";
            if (isKey(key) && isValue(value)) expect(members).toContainEqual([key, value]);
          }
        },
      ),
      RUNS,
    );
  });

  it("for the core, are the injected map with the sampled header, whatever the span context holds", () => {
    const id = (length: number) =>
      fc.oneof(often(hex(length)), fc.string({ maxLength: length + 2 }), fc.constant(undefined));
    fc.assert(
      fc.property(
        id(32),
        id(16),
        traceFlags,
        fc.option(fc.array(fc.tuple(anyKey, anyValue), { maxLength: 4 })),
        (traceId, spanId, flags, pairs) => {
          const traceState =
            pairs === null
              ? undefined
              : pairs.reduce((state, [key, value]) => state.set(key, value), createTraceState());
          const spanContext = { traceId, spanId, traceFlags: flags, traceState } as SpanContext;
          const expected = withSampledHeader(injectSpanContext(undefined, spanContext), true);
          expect(injectSampledSpanContext(spanContext)).toEqual(expected);
          expect(injectSampledSpanContext(undefined)).toEqual({ "x-llm-journey-sampled": "1" });
        },
      ),
      RUNS,
    );
  });
});
