import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { Journey } from "../../src/journeys/journey-store.js";
import { gaugeValue, startTestServer, type TestServer } from "../support/test-server.js";

const API = "llm-journey.api";
const CORE = "llm-journey.scheduler";
const LEGACY = "llm-journey.legacy";
const LEGACY_WIRING = fileURLToPath(new URL("../../dist/legacy/legacy-engine.js", import.meta.url));
/** Every tracing mode this build has (legacy and dual go with Phase 3). */
const MODES = existsSync(LEGACY_WIRING) ? ["spans", "dual", "legacy"] : ["spans"];
/** The spans one traced request leaves in each mode, by scope. */
const SCOPES: Record<string, string[]> = {
  spans: [API, CORE],
  dual: [API, LEGACY, CORE],
  legacy: [LEGACY],
};
/** `00` not sampled, `02` not sampled with the random-trace-id flag, `01` sampled. */
const FLAGS = ["00", "02", "01"] as const;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A trace id of its own for each request, so its journey is found by it. */
const traceIdOf = (label: string) => label.padStart(32, "0");
const traceparent = (traceId: string, flags: string) => `00-${traceId}-00f067aa0ba902b7-${flags}`;

/** One non-streaming completion over real HTTP; returns its id. */
async function complete(server: TestServer, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({
      model: "llm-journey-simulated",
      messages: [{ role: "user", content: "who decides?" }],
      max_tokens: 4,
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

const scopesOf = (journey: Journey | undefined) =>
  journey?.spans.map((span) => span.scope).sort() ?? [];

/** Waits until every layer's gauges read 0: nothing is left in flight anywhere. */
async function idle(server: TestServer): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const layers = ["api", "core", "legacy"].filter(
      (layer) => gaugeValue(text, "llm_journey_active_spans", layer) !== undefined,
    );
    const zero = layers.every(
      (layer) =>
        gaugeValue(text, "llm_journey_active_spans", layer) === 0 &&
        gaugeValue(text, "llm_journey_tracked_entries", layer) === 0,
    );
    if (zero) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the server never became idle");
}

// Each test starts a real server with its engine worker: seconds on a busy machine.
describe("a client's sampled flag, by default: the sample rate alone decides", {
  timeout: 60_000,
}, () => {
  it.each(MODES)("%s mode traces requests with flags 00, 02 and 01 alike", async (mode) => {
    t = await startTestServer(["--tracing-mode", mode]);
    const sent: Array<{ id: string; traceId: string }> = [];
    for (const flags of FLAGS) {
      const traceId = traceIdOf(`a${flags}`);
      sent.push({ id: await complete(t, { traceparent: traceparent(traceId, flags) }), traceId });
    }
    const expected = SCOPES[mode] as string[];
    const journeys = await t.journeysWhen((all) =>
      sent.every(({ id }) => all.find((j) => j.requestId === id)?.spans.length === expected.length),
    );
    for (const { id, traceId } of sent) {
      const journey = journeys.find((j) => j.requestId === id);
      expect(scopesOf(journey)).toEqual(expected);
      // The client's context is still honoured: only its sampling decision is not.
      expect(journey?.traceId).toBe(traceId);
    }
    await idle(t);
  });

  it("a sampled flag does not switch tracing on at rate 0", async () => {
    t = await startTestServer(["--journey-tracing-sample-rate", "0"]);
    await complete(t, { traceparent: traceparent(traceIdOf("b01"), "01") });
    await idle(t);
    const journeys = (await (await fetch(`${t.url}/debug/journeys`)).json()) as {
      journeys: Journey[];
    };
    expect(journeys.journeys).toEqual([]);
  });
});

describe("--follow-client-sampling: the client's sampled flag decides too", {
  timeout: 60_000,
}, () => {
  it.each(MODES)("%s mode traces flag 01 and no traceparent, not 00 or 02", async (mode) => {
    t = await startTestServer(["--tracing-mode", mode, "--follow-client-sampling"]);
    const unsampled = ["00", "02"].map((flags) => traceIdOf(`c${flags}`));
    for (const [i, traceId] of unsampled.entries()) {
      await complete(t, { traceparent: traceparent(traceId, i === 0 ? "00" : "02") });
    }
    const sampled = await complete(t, { traceparent: traceparent(traceIdOf("c01"), "01") });
    // Sent last: once its spans are in, any of the earlier requests' would be too.
    const root = await complete(t);
    const expected = SCOPES[mode] as string[];
    const journeys = await t.journeysWhen((all) =>
      [sampled, root].every(
        (id) => all.find((j) => j.requestId === id)?.spans.length === expected.length,
      ),
    );
    expect(journeys.map((j) => j.requestId).sort()).toEqual([sampled, root].sort());
    for (const journey of journeys) expect(scopesOf(journey)).toEqual(expected);
    expect(journeys.filter((j) => unsampled.includes(j.traceId))).toEqual([]);
    await idle(t);
  });
});
