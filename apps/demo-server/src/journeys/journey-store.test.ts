import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JourneySpan } from "../engine/engine-contract.js";
import { forwarded } from "../engine/journey-span.js";
import { JourneyStore } from "./journey-store.js";

function span(traceId: string, name: string): JourneySpan {
  return {
    name,
    kind: "INTERNAL",
    scope: "s",
    traceId,
    spanId: `${traceId}-${name}`,
    parentSpanId: null,
    startTimeUnixNano: "1",
    endTimeUnixNano: "2",
    status: { code: "UNSET", message: "" },
    attributes: { "gen_ai.request.id": `req-${traceId}` },
    events: [],
  };
}

describe("the journey store", () => {
  it("groups spans by trace and lists the most recently updated first", () => {
    const store = new JourneyStore(10);
    store.add(forwarded(span("a", "llm_core")));
    store.add(forwarded(span("b", "llm_core")));
    store.add(forwarded(span("a", "llm_request")));
    expect(store.recent(10).map((journey) => [journey.traceId, journey.spans.length])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect(store.recent(1)[0]?.requestId).toBe("req-a");
  });

  it("drops the oldest trace past its capacity", () => {
    const store = new JourneyStore(3);
    for (const id of ["a", "b", "c", "d", "e"]) store.add(forwarded(span(id, "llm_core")));
    expect(store.size).toBe(3);
    expect(store.recent(10).map((journey) => journey.traceId)).toEqual(["e", "d", "c"]);
  });

  it("rejects a capacity that is not a positive integer", () => {
    expect(() => new JourneyStore(0)).toThrow(/capacity must be a positive integer/);
  });

  it("keeps one journey per trace and request id whatever the ids collide with", () => {
    // Few ids, so request ids repeat across traces, equal other traces' ids, or are missing.
    const id = fc.constantFrom("a", "b", "c");
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ trace: id, request: fc.option(id, { nil: undefined }) }), {
          maxLength: 40,
        }),
        (capacity, arrivals) => {
          const store = new JourneyStore(capacity);
          // The model: a least-recently-updated list of (trace id, request id) journeys.
          let model: Array<{ traceId: string; requestId: string | null; spans: number }> = [];
          for (const [i, { trace, request }] of arrivals.entries()) {
            store.add(
              forwarded({
                ...span(trace, `s${i}`),
                attributes: request === undefined ? {} : { "gen_ai.request.id": request },
              }),
            );
            const requestId = request ?? null;
            const same = model.find((j) => j.traceId === trace && j.requestId === requestId);
            model = model.filter((j) => j !== same);
            model.push({ traceId: trace, requestId, spans: (same?.spans ?? 0) + 1 });
            if (model.length > capacity) model.shift();
          }
          expect(
            store.recent(capacity).map((j) => ({
              traceId: j.traceId,
              requestId: j.requestId,
              spans: j.spans.length,
            })),
          ).toEqual(model.reverse());
        },
      ),
    );
  });

  it("keeps requests that share a client's trace id as separate, bounded journeys", () => {
    const store = new JourneyStore(3);
    for (let i = 0; i < 30; i++) {
      const sharedTrace = {
        ...span("t", `llm_request${i}`),
        attributes: { "gen_ai.request.id": `req-${i}` },
      };
      store.add(forwarded(sharedTrace));
    }
    expect(store.size).toBe(3);
    expect(store.recent(10).map((journey) => [journey.requestId, journey.spans.length])).toEqual([
      ["req-29", 1],
      ["req-28", 1],
      ["req-27", 1],
    ]);
  });

  it("drops the oldest traces past its bound in bytes, and never holds more", () => {
    const store = new JourneyStore(500, { maxBytes: 100_000 });
    for (let i = 0; i < 60; i++) {
      store.add(
        forwarded({ ...span(`t${i}`, "llm_request"), attributes: { big: "x".repeat(20_000) } }),
      );
    }
    // Four traces of ~20,400 bytes fit in 100,000; a fifth does not.
    expect(store.size).toBe(4);
    expect(store.bytes).toBeLessThanOrEqual(100_000);
    const json = JSON.stringify(store.recent(500));
    expect(json.length).toBeLessThanOrEqual(100_000);
    expect(store.recent(500).map((journey) => journey.traceId)).toEqual([
      "t59",
      "t58",
      "t57",
      "t56",
    ]);
  });

  it("keeps no trace larger than its whole bound", () => {
    const store = new JourneyStore(10, { maxBytes: 10_000 });
    store.add(forwarded(span("small", "llm_core")));
    store.add(
      forwarded({ ...span("huge", "llm_request"), attributes: { big: "x".repeat(50_000) } }),
    );
    // Refused on its own: the traces already held stay.
    expect(store.recent(10).map((journey) => journey.traceId)).toEqual(["small"]);
    expect(store.bytes).toBeLessThan(10_000);
    store.add(forwarded(span("next", "llm_core")));
    expect(store.recent(10).map((journey) => journey.traceId)).toEqual(["next", "small"]);
  });

  it("holds at most its capacity and its bytes whatever arrives, and its JSON stays under the bound", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            trace: fc.integer({ min: 0, max: 20 }),
            name: fc.constantFrom("llm_request", "llm_core"),
            text: fc.string({ maxLength: 3_000 }),
            events: fc.integer({ min: 0, max: 5 }),
          }),
          { maxLength: 80 },
        ),
        (arrivals) => {
          const store = new JourneyStore(8, { maxBytes: 20_000 });
          for (const { trace, name, text, events } of arrivals) {
            store.add(
              forwarded({
                ...span(`t${trace}`, name),
                attributes: { "gen_ai.request.id": `req-${trace}`, text },
                events: Array.from({ length: events }, (_, i) => ({
                  name: "journey.SCHEDULED",
                  timeUnixNano: "1",
                  attributes: { "scheduler.step": i, note: text.slice(0, 100) },
                })),
              }),
            );
            expect(store.size).toBeLessThanOrEqual(8);
            expect(store.bytes).toBeLessThanOrEqual(20_000);
          }
          // Escaped characters (quotes, control characters) are the estimate's only misses.
          const escaped = JSON.stringify(store.recent(8)).replace(/\\./g, ".");
          expect(escaped.length).toBeLessThanOrEqual(20_000);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects a bound in bytes that is not a positive integer", () => {
    expect(() => new JourneyStore(1, { maxBytes: 0 })).toThrow(
      /maxBytes must be a positive integer/,
    );
  });
});
