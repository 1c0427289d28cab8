import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  extractContext,
  extractSpanContext,
  type HeaderMap,
  injectContext,
  readSampledHeader,
  stripSampledHeader,
  withSampledHeader,
} from "./index.js";

const OUTGOING_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const RUNS = { numRuns: 1_000 };

const often = <T>(arbitrary: fc.Arbitrary<T>, weight = 5) => ({ arbitrary, weight });

/** Mostly near-valid traceparents, so that both outcomes occur often. */
const traceparentText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  often(
    fc
      .tuple(
        fc.oneof(often(fc.constant("00")), fc.stringMatching(/^[0-9a-fA-F]{2}$/)),
        fc.oneof(often(fc.stringMatching(/^[0-9a-f]{32}$/)), fc.constant("0".repeat(32))),
        fc.oneof(often(fc.stringMatching(/^[0-9a-f]{16}$/)), fc.constant("0".repeat(16))),
        fc.oneof(often(fc.stringMatching(/^[0-9a-f]{2}$/)), fc.stringMatching(/^[0-9A-F]{2}$/)),
        fc.oneof(often(fc.constant("")), fc.constantFrom("-", "-x", "x", " ", "\t-future")),
      )
      .map(
        ([version, traceId, spanId, flags, tail]) =>
          `${version}-${traceId}-${spanId}-${flags}${tail}`,
      ),
    10,
  ),
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
                fc.oneof(
                  fc.constantFrom("a", "b", "t@v"),
                  fc.stringMatching(/^[a-z][a-z0-9_\-*/]{0,8}$/),
                  fc.stringMatching(/^[a-z0-9][a-z0-9_\-*/]{0,4}@[a-z][a-z0-9_\-*/]{0,4}$/),
                ),
                fc.stringMatching(
                  /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,8}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/,
                ),
              )
              .map(([key, value]) => `${key}=${value}`),
            12,
          ),
          fc.constantFrom("", " ", "\t"),
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

describe("fuzzed trace headers", () => {
  it("extract without throwing and re-inject only valid headers that extract back the same", () => {
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
          expect(out.traceparent).toMatch(OUTGOING_TRACEPARENT);
          const again = extractSpanContext(out);
          expect(again?.traceId).toBe(extracted.traceId);
          expect(again?.spanId).toBe(extracted.spanId);
          expect(again?.traceFlags).toBe(extracted.traceFlags);
          expect(out.tracestate).toBe(extracted.traceState?.serialize());
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
