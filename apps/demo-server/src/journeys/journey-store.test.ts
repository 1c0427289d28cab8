import { describe, expect, it } from "vitest";
import type { JourneySpan } from "./journey-span.js";
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
    store.add(span("a", "llm_core"));
    store.add(span("b", "llm_core"));
    store.add(span("a", "llm_request"));
    expect(store.recent(10).map((journey) => [journey.traceId, journey.spans.length])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect(store.recent(1)[0]?.requestId).toBe("req-a");
  });

  it("drops the oldest trace past its capacity", () => {
    const store = new JourneyStore(3);
    for (const id of ["a", "b", "c", "d", "e"]) store.add(span(id, "llm_core"));
    expect(store.size).toBe(3);
    expect(store.recent(10).map((journey) => journey.traceId)).toEqual(["e", "d", "c"]);
  });

  it("rejects a capacity that is not a positive integer", () => {
    expect(() => new JourneyStore(0)).toThrow(/capacity must be a positive integer/);
  });

  it("keeps requests that share a client's trace id as separate, bounded journeys", () => {
    const store = new JourneyStore(3);
    for (let i = 0; i < 30; i++) {
      const sharedTrace = {
        ...span("t", `llm_request${i}`),
        attributes: { "gen_ai.request.id": `req-${i}` },
      };
      store.add(sharedTrace);
    }
    expect(store.size).toBe(3);
    expect(store.recent(10).map((journey) => [journey.requestId, journey.spans.length])).toEqual([
      ["req-29", 1],
      ["req-28", 1],
      ["req-27", 1],
    ]);
  });
});
