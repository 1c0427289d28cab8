import { CORE_SPAN_NAME, STEP_SPAN_NAME } from "@llm-journey/tracer-core";
import { describe, expect, it } from "vitest";
import { EngineHost } from "./engine-host.js";
import { type EngineOptionsInput, resolveEngineOptions } from "./engine-options.js";
import type { FromEngineMessage } from "./engine-protocol.js";
import { FAST_STEP_TIME } from "./step-time-model.js";

/** An engine host in this thread, with every message it posts recorded. */
function host(options: EngineOptionsInput = {}) {
  const messages: FromEngineMessage[] = [];
  const waiters: Array<() => void> = [];
  const engine = new EngineHost({
    options: resolveEngineOptions({ stepTime: FAST_STEP_TIME, ...options }),
    post: (message) => {
      messages.push(message);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const ofType = <T extends FromEngineMessage["type"]>(type: T) =>
    messages.filter((message): message is Extract<FromEngineMessage, { type: T }> => {
      return message.type === type;
    });
  const add = (requestId: string, maxTokens = 6) =>
    engine.handle({
      type: "add",
      requestId,
      prompt: `prompt ${requestId}`,
      maxTokens,
      stop: [],
      traceHeaders: {},
    });
  const shutdown = async () => {
    engine.handle({ type: "shutdown" });
    await until(() => ofType("shutdown-complete").length === 1);
  };
  return { engine, messages, until, ofType, add, shutdown };
}

describe("EngineHost", () => {
  it("sends the spans of requests that end in the same step as one batch", async () => {
    // Every step is kept as an llm_step span too, so the journey spans are picked by name:
    // a step span rides in its step's batch and must not change how the journeys batch.
    const { until, ofType, add, shutdown } = host({ tracing: { stepSampleRate: 1 } });
    const journeyBatches = () =>
      ofType("spans")
        .map((batch) =>
          batch.spans
            .filter((span) => span.name === CORE_SPAN_NAME)
            .map((span) => span.attributes["gen_ai.request.id"]),
        )
        .filter((ids) => ids.length > 0);
    // "a" starts a step alone at once; the others join the next step, and finish one later.
    for (const id of ["a", "b", "c", "d", "e"]) add(id);
    await until(() => ofType("finished").length === 5);
    await until(() => journeyBatches().flat().length === 5);
    expect(journeyBatches()).toEqual([["a"], ["b", "c", "d", "e"]]);
    expect(ofType("spans").flatMap((batch) => batch.spans)).toContainEqual(
      expect.objectContaining({ name: STEP_SPAN_NAME }),
    );
    await shutdown();
  });

  it("runs requests without any span or tracked entry when tracing is off", async () => {
    const { engine, until, ofType, add, shutdown } = host({ tracing: { enabled: false } });
    add("quiet");
    await until(() => ofType("finished").length === 1);
    expect(ofType("finished")[0]).toMatchObject({ status: "length", outputTokens: 6 });
    expect(engine.stats()).toMatchObject({ activeSpans: 0, trackedEntries: 0 });
    await shutdown();
    expect(ofType("spans")).toHaveLength(0);
  });

  it("answers a journeys request with the core tracer's open journeys and the same id", async () => {
    const { engine, until, ofType, add, shutdown } = host();
    add("in-flight", 50);
    engine.handle({ type: "journeys-request", id: 7 });
    const [reply] = ofType("journeys");
    expect(reply?.id).toBe(7);
    expect(reply?.journeys).toEqual([
      expect.objectContaining({
        requestId: "in-flight",
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      }),
    ]);
    await until(() => ofType("finished").length === 1);
    engine.handle({ type: "journeys-request", id: 8 });
    expect(ofType("journeys")[1]).toEqual({ type: "journeys", id: 8, journeys: [] });
    await shutdown();
  });

  it("answers a stats request with the id it was asked with", async () => {
    const { engine, ofType, shutdown } = host();
    engine.handle({ type: "stats-request", id: 42 });
    expect(ofType("stats").at(-1)).toEqual({
      type: "stats",
      id: 42,
      activeSpans: 0,
      trackedEntries: 0,
      running: 0,
      waiting: 0,
      kvBlocksUsed: 0,
      spansDropped: 0,
      counting: 0,
      closedByWatchdog: 0,
      streamEntries: 0,
      streamRecords: 0,
    });
    await shutdown();
  });

  it("reports a request it cannot accept as an error instead of failing", async () => {
    const { engine, ofType, shutdown } = host();
    engine.handle({
      type: "add",
      requestId: "bad",
      prompt: "x",
      maxTokens: 0,
      stop: [],
      traceHeaders: {},
    });
    expect(ofType("finished")).toEqual([
      {
        type: "finished",
        requestId: "bad",
        status: "error",
        promptTokens: 1,
        outputTokens: 0,
        error: "maxTokens must be a positive integer, got 0",
      },
    ]);
    expect(engine.stats()).toMatchObject({ activeSpans: 0, trackedEntries: 0 });
    await shutdown();
  });
});
