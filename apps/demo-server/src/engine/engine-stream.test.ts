import { describe, expect, it } from "vitest";
import type { EngineEvent } from "./engine-contract.js";
import { EngineEventStream } from "./engine-stream.js";

const finished: EngineEvent = {
  type: "finished",
  status: "length",
  promptTokens: 3,
  outputTokens: 2,
};

describe("EngineEventStream", () => {
  it("delivers events pushed before and after the consumer starts, then ends at finished", async () => {
    const stream = new EngineEventStream("r", () => {});
    stream.push({ type: "token", text: "a", outputTokens: 1 });
    const seen: EngineEvent[] = [];
    const reading = (async () => {
      for await (const event of stream) seen.push(event);
    })();
    await Promise.resolve();
    stream.push({ type: "token", text: " b", outputTokens: 2 });
    stream.push(finished);
    stream.push({ type: "token", text: " late", outputTokens: 3 });
    await reading;
    expect(seen).toEqual([
      { type: "token", text: "a", outputTokens: 1 },
      { type: "token", text: " b", outputTokens: 2 },
      finished,
    ]);
  });

  it("reports a consumer that leaves before finished, and not one that leaves after", async () => {
    let abandoned = 0;
    const early = new EngineEventStream("early", () => abandoned++);
    early.push({ type: "token", text: "a", outputTokens: 1 });
    for await (const _ of early) break;
    expect(abandoned).toBe(1);

    const late = new EngineEventStream("late", () => abandoned++);
    late.push(finished);
    for await (const _ of late) break;
    expect(abandoned).toBe(1);
  });

  it("can be iterated only once", () => {
    const stream = new EngineEventStream("once", () => {});
    stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError);
  });
});
