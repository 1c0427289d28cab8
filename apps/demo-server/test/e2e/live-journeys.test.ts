import { afterEach, describe, expect, it } from "vitest";
import type { LiveJourney } from "../../src/journeys/live-journeys.js";
import {
  byRequestId,
  eventNames,
  gaugeValue,
  spansOf,
  startTestServer,
  type TestServer,
} from "../support/test-server.js";

const MODEL = "llm-journey-simulated";
/** Steps slow enough that a request stays in flight while the test looks at it. */
const SLOW_STEPS = ["--step-time-base-ms", "40"];

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
}, 30_000);

async function active(url: string): Promise<{ status: number; journeys: LiveJourney[] }> {
  const response = await fetch(`${url}/debug/journeys?state=active`);
  return {
    status: response.status,
    journeys: ((await response.json()) as { journeys: LiveJourney[] }).journeys,
  };
}

async function activeWhen(url: string, predicate: (journeys: LiveJourney[]) => boolean) {
  for (let attempt = 0; attempt < 250; attempt++) {
    const { journeys } = await active(url);
    if (predicate(journeys)) return journeys;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out waiting for the active journeys");
}

// A real server with slow steps: generous timeouts, as a loaded machine starts it slowly.
describe("GET /debug/journeys?state=active", { timeout: 60_000 }, () => {
  it("shows a request while it runs, with both open spans and its progress, and not after", async () => {
    t = await startTestServer([...SLOW_STEPS, "--max-journey-age-ms", "0"]);
    const stream = await t.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Tell me a long story" }],
      max_tokens: 40,
      stream: true,
    });
    const chunks = stream[Symbol.asyncIterator]();
    const first = await chunks.next();
    const requestId = (first.value as { id: string }).id;

    const journeys = await activeWhen(t.url, (list) =>
      list.some((j) => j.requestId === requestId && (j.decodeDoneTokens ?? 0) > 0),
    );
    const live = journeys.find((j) => j.requestId === requestId) as LiveJourney;
    expect(live).toMatchObject({
      requestId,
      phase: "DECODE",
      prefillTotalTokens: expect.any(Number),
      decodeMaxTokens: 40,
      preemptions: 0,
      lastEvent: expect.stringMatching(/^journey\./),
    });
    expect(live.ageMs).toBeGreaterThan(0);
    const [api, core] = live.spans;
    expect(api).toMatchObject({ name: "llm_request", kind: "SERVER", traceId: live.traceId });
    expect(core).toMatchObject({
      name: "llm_core",
      kind: "INTERNAL",
      traceId: live.traceId,
      parentSpanId: api?.spanId,
      status: { code: "UNSET", message: "" },
    });
    for (const span of live.spans) expect(span).not.toHaveProperty("endTimeUnixNano");
    // Started before now, and not before the test did.
    const startMs = Number(BigInt(api?.startTimeUnixNano ?? "0") / 1_000_000n);
    expect(startMs).toBeLessThanOrEqual(Date.now());
    expect(startMs).toBeGreaterThan(Date.now() - 60_000);

    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      // read to the end
    }
    const finished = await t.journeysWhen(byRequestId(requestId));
    const { api: endedApi } = spansOf(finished.find((j) => j.requestId === requestId) as never);
    expect(endedApi?.spanId).toBe(api?.spanId);
    expect((await active(t.url)).journeys.map((j) => j.requestId)).not.toContain(requestId);
    await t.gaugesAtZero();
  });

  it("lists nothing when the server is idle, and refuses an unknown state", async () => {
    t = await startTestServer();
    expect(await active(t.url)).toEqual({ status: 200, journeys: [] });
    const bad = await fetch(`${t.url}/debug/journeys?state=stuck`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { type: "invalid_request_error", param: "state" },
    });
  });
});

describe("the demo server's watchdog", { timeout: 60_000 }, () => {
  it("closes a journey open past --max-journey-age-ms in both layers, counted in /metrics", async () => {
    t = await startTestServer([...SLOW_STEPS, "--max-journey-age-ms", "150"]);
    const answer = await t.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Tell me a long story" }],
      max_tokens: 30,
    });
    // The request itself is served: the watchdog only ends what tracing keeps.
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const [journey] = await t.journeysWhen(byRequestId(answer.id));
    const { api, core } = spansOf(journey as never);
    expect(api?.events.at(-1)).toMatchObject({
      name: "api.ABORTED",
      attributes: { reason: "watchdog" },
    });
    const finished = core?.events.at(-1);
    expect(finished?.name).toBe("journey.FINISHED");
    expect(finished?.attributes).toMatchObject({
      "finish.status": "aborted",
      "journey.closed_by": "watchdog",
    });
    expect(eventNames(core).filter((name) => name === "journey.FINISHED")).toHaveLength(1);
    const metrics = await t.gaugesAtZero();
    expect(gaugeValue(metrics, "llm_journey_watchdog_closed_total", "api")).toBe(1);
    expect(gaugeValue(metrics, "llm_journey_watchdog_closed_total", "core")).toBe(1);
  });
});
