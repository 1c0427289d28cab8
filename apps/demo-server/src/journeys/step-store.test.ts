import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JourneySpan } from "../engine/engine-contract.js";
import { forwarded } from "../engine/journey-span.js";
import { StepStore } from "./step-store.js";

function step(n: number, links?: JourneySpan["links"]): JourneySpan {
  return {
    name: "llm_step",
    kind: "INTERNAL",
    scope: "llm-journey.scheduler",
    traceId: `t${n}`,
    spanId: `s${n}`,
    parentSpanId: null,
    startTimeUnixNano: "1",
    endTimeUnixNano: "2",
    status: { code: "UNSET", message: "" },
    attributes: { "scheduler.step": n },
    events: [],
    ...(links !== undefined ? { links } : {}),
  };
}

describe("the step store", () => {
  it("keeps the latest spans up to its capacity, newest first, whatever the count", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 1, max: 30 }),
        (capacity, added, limit) => {
          const store = new StepStore(capacity);
          for (let n = 1; n <= added; n++) store.add(forwarded(step(n)));
          expect(store.size).toBe(Math.min(capacity, added));
          const expected: number[] = [];
          for (let n = added; n > 0 && expected.length < Math.min(limit, capacity); n--) {
            expected.push(n);
          }
          expect(store.recent(limit).map((span) => span.attributes["scheduler.step"])).toEqual(
            expected,
          );
        },
      ),
    );
  });

  it("gives every span a links array, empty when it had none", () => {
    const store = new StepStore(4);
    const link = { traceId: "a".repeat(32), spanId: "b".repeat(16), attributes: {} };
    store.add(forwarded(step(1)));
    store.add(forwarded(step(2, [link])));
    expect(store.recent(2).map((span) => span.links)).toEqual([[link], []]);
  });

  it("rejects a capacity that is not a positive integer", () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => new StepStore(capacity)).toThrow(RangeError);
    }
  });
});
