import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JourneySpan } from "../../src/engine/engine-contract.js";
import { spansOf, startTestServer, type TestServer } from "../support/test-server.js";

const MODEL = "llm-journey-simulated";

async function stepsOf(url: string, limit = 500): Promise<JourneySpan[]> {
  const response = await fetch(`${url}/debug/steps?limit=${limit}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { steps: JourneySpan[] }).steps;
}

describe("/debug/steps", () => {
  let t: TestServer;
  beforeAll(async () => {
    // A small engine, so the requests share their steps and preempt one another.
    t = await startTestServer([
      "--step-tracing-sample-rate",
      "1",
      "--num-kv-blocks",
      "12",
      "--block-size",
      "4",
      "--max-num-batched-tokens",
      "24",
    ]);
  });
  afterAll(() => t.close());

  it("lists the sampled steps, newest first, each linked to the core spans of its traced requests", async () => {
    const prompts = ["one two three", "four five six seven", "eight nine"];
    await Promise.all(
      prompts.map((content) =>
        t.client.chat.completions.create({
          model: MODEL,
          max_tokens: 6,
          messages: [{ role: "user", content }],
        }),
      ),
    );
    const journeys = await t.journeysWhen(
      (list) => list.length === 3 && list.every((j) => j.spans.length === 2),
    );
    const coreSpans = new Map(
      journeys.flatMap((journey) => {
        const { core } = spansOf(journey);
        return core === undefined ? [] : [[core.spanId, core] as const];
      }),
    );
    const steps = await stepsOf(t.url);
    expect(steps.length).toBeGreaterThan(0);
    const numbers = steps.map((step) => step.attributes["scheduler.step"] as number);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    const linkedRequests = new Set<unknown>();
    for (const step of steps) {
      expect(step).toMatchObject({
        name: "llm_step",
        kind: "INTERNAL",
        scope: "llm-journey.scheduler",
        parentSpanId: null,
      });
      expect(Array.isArray(step.links)).toBe(true);
      for (const link of step.links ?? []) {
        const core = coreSpans.get(link.spanId);
        // Every link leads to the llm_core span of the request it names, in that request's trace.
        expect(core?.traceId).toBe(link.traceId);
        expect(core?.attributes["gen_ai.request.id"]).toBe(link.attributes["gen_ai.request.id"]);
        linkedRequests.add(link.attributes["gen_ai.request.id"]);
      }
    }
    // At rate 1 every step is kept: each request computed in some step, so each is linked.
    expect(linkedRequests.size).toBe(3);
    await t.gaugesAtZero();
  });

  it("returns at most limit steps and rejects a bad limit with an OpenAI error", async () => {
    expect((await stepsOf(t.url, 2)).length).toBeLessThanOrEqual(2);
    for (const limit of ["0", "501", "x", ""]) {
      const response = await fetch(`${t.url}/debug/steps?limit=${limit}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: object }).error).toMatchObject({
        type: "invalid_request_error",
        param: "limit",
      });
    }
  });

  it("keeps step spans out of /debug/journeys", async () => {
    const journeys = await t.journeysWhen(() => true);
    for (const journey of journeys) {
      for (const span of journey.spans) expect(span.name).not.toBe("llm_step");
    }
  });
});
