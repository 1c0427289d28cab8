import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import type { Journey } from "../../src/journeys/journey-store.js";
import {
  eventNames,
  gaugeValue,
  startTestServer,
  type TestServer,
} from "../support/test-server.js";
import { compareStreams, TOLERANCE_MS } from "./compare-streams.js";

const MODEL = "llm-journey-simulated";
const API = "llm-journey.api";
const CORE = "llm-journey.scheduler";
const LEGACY = "llm-journey.legacy";
// A KV cache too small for the batch: requests are preempted and resumed.
const PREEMPTING = ["--num-kv-blocks", "24", "--max-num-seqs", "8"];

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const scopesOf = (journey: Journey) => journey.spans.map((span) => span.scope).sort();

/** Every gauge of every layer, the legacy one included, reads 0. */
async function legacyGaugesAtZero(server: TestServer): Promise<string> {
  let text = "";
  for (let attempt = 0; attempt < 250; attempt++) {
    text = await (await fetch(`${server.url}/metrics`)).text();
    const zero = ["api", "core", "legacy"].every(
      (layer) =>
        gaugeValue(text, "llm_journey_active_spans", layer) === 0 &&
        gaugeValue(text, "llm_journey_tracked_entries", layer) === 0,
    );
    if (zero && /^llm_journey_legacy_buffered_records 0$/m.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`legacy gauges never all read 0:\n${text}`);
}

/** Mixed traffic: chat and completions, streaming or not, some aborted mid-stream, some invalid. */
async function burst(
  server: TestServer,
  count: number,
): Promise<{ sent: number; aborted: number }> {
  let aborted = 0;
  const requests = Array.from({ length: count }, async (_, i) => {
    if (i % 7 === 6) {
      const response = await fetch(`${server.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: MODEL, prompt: "x", max_tokens: -1 }),
      });
      expect(response.status).toBe(400);
      return;
    }
    const stream = i % 2 === 0;
    if (i % 5 === 4) {
      // A client that leaves after its first chunk.
      const controller = new AbortController();
      const chunks = await server.client.chat.completions.create(
        {
          model: MODEL,
          messages: [{ role: "user", content: `abort me ${i}` }],
          max_tokens: 200,
          stream: true,
        },
        { signal: controller.signal },
      );
      try {
        for await (const _chunk of chunks) {
          controller.abort();
        }
      } catch {
        // The abort surfaces as an error in the loop.
      }
      aborted++;
      return;
    }
    try {
      if (i % 3 === 0) {
        const completion = await server.client.completions.create({
          model: MODEL,
          prompt: `tell me about request ${i}, at some length please`,
          max_tokens: 24,
          ...(stream ? { stream: false } : {}),
        });
        expect(completion.choices.length).toBe(1);
      } else if (stream) {
        const chunks = await server.client.chat.completions.create({
          model: MODEL,
          messages: [{ role: "user", content: `stream ${i}` }],
          max_tokens: 24,
          stream: true,
        });
        for await (const _chunk of chunks) {
          // drain
        }
      } else {
        await server.client.chat.completions.create({
          model: MODEL,
          messages: [{ role: "user", content: `request ${i}` }],
          max_tokens: 24,
        });
      }
    } catch (error) {
      // Injected engine errors answer 500 or end the stream with an error event.
      if (!(error instanceof OpenAI.APIError)) throw error;
    }
  });
  await Promise.all(requests);
  return { sent: count, aborted };
}

describe("--tracing-mode legacy", () => {
  it("builds one legacy llm_request per request after the fact, and nothing of the new stream", async () => {
    t = await startTestServer(["--tracing-mode", "legacy", ...PREEMPTING]);
    const completion = await t.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "the buffered path" }],
      max_tokens: 40,
    });
    const journeys = await t.journeysWhen((all) =>
      all.some((journey) => journey.requestId === completion.id),
    );
    const journey = journeys.find((j) => j.requestId === completion.id) as Journey;
    expect(scopesOf(journey)).toEqual([LEGACY]);
    const [legacy] = journey.spans;
    expect(legacy?.name).toBe("llm_request");
    expect(legacy?.kind).toBe("SERVER");
    expect(legacy?.parentSpanId).toBeNull();
    const events = eventNames(legacy);
    expect(events.slice(0, 3)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FIRST_TOKEN",
    ]);
    expect(events.at(-1)).toBe("journey.FINISHED");
    for (const latency of ["time_in_queue", "time_to_first_token", "e2e", "time_in_model_decode"]) {
      expect(legacy?.attributes[`gen_ai.latency.${latency}`]).toBeTypeOf("number");
    }
    expect(legacy?.attributes["gen_ai.usage.output_tokens"]).toBe(
      completion.usage?.completion_tokens,
    );
    // No API layer and no core span in legacy mode.
    expect(journeys.flatMap((j) => j.spans).some((s) => s.scope === API || s.scope === CORE)).toBe(
      false,
    );
  });

  it("parents the legacy span on the client's traceparent, and ignores it when told to distrust clients", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parent = "00f067aa0ba902b7";
    const send = async (server: TestServer) => {
      const response = await fetch(`${server.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: `00-${traceId}-${parent}-01` },
        body: JSON.stringify({ model: MODEL, prompt: "hi", max_tokens: 3 }),
      });
      const { id } = (await response.json()) as { id: string };
      const journeys = await server.journeysWhen((all) => all.some((j) => j.requestId === id));
      return journeys.find((j) => j.requestId === id)?.spans[0];
    };
    t = await startTestServer(["--tracing-mode", "legacy"]);
    const trusted = await send(t);
    expect(trusted?.traceId).toBe(traceId);
    expect(trusted?.parentSpanId).toBe(parent);
    await t.close();
    t = await startTestServer(["--tracing-mode", "legacy", "--no-trust-client-trace-context"]);
    const distrusted = await send(t);
    expect(distrusted?.traceId).not.toBe(traceId);
    expect(distrusted?.parentSpanId).toBeNull();
  });
});

describe.each(["legacy", "dual"])(
  "--tracing-mode %s after a burst with aborts and engine errors",
  (mode) => {
    it("leaves every legacy buffer and record empty and every gauge at 0", async () => {
      t = await startTestServer([
        "--tracing-mode",
        mode,
        "--inject-engine-error-rate",
        "0.2",
        // Real step times, so that a client leaving after its first chunk leaves mid-generation.
        "--step-time-base-ms",
        "2",
        ...PREEMPTING,
      ]);
      const { aborted } = await burst(t, 42);
      expect(aborted).toBeGreaterThan(0);
      const metrics = await legacyGaugesAtZero(t);
      expect(gaugeValue(metrics, "llm_journey_tracked_entries", "legacy")).toBe(0);
      const stats = await t.engine.counts();
      expect(stats.streamEntries).toBe(0);
      expect(stats.streamRecords).toBe(0);
      // Every legacy span that was built ended with exactly one FINISHED, last.
      const journeys = await t.journeysWhen((all) => all.length > 0);
      const legacySpans = journeys.flatMap((j) => j.spans).filter((s) => s.scope === LEGACY);
      expect(legacySpans.length).toBeGreaterThan(20);
      for (const span of legacySpans) {
        const events = eventNames(span);
        expect(events.filter((name) => name === "journey.FINISHED")).toHaveLength(1);
        expect(events.at(-1)).toBe("journey.FINISHED");
      }
      const finishStatuses = legacySpans.map(
        (span) => span.events.at(-1)?.attributes["finish.status"],
      );
      expect(finishStatuses).toContain("aborted");
      expect(finishStatuses).toContain("error");
    });
  },
);

describe("--tracing-mode dual", () => {
  it("gives each request three spans in one trace: the API's, the core's and the legacy one", async () => {
    t = await startTestServer(["--tracing-mode", "dual"]);
    const completion = await t.client.completions.create({
      model: MODEL,
      prompt: "both",
      max_tokens: 5,
    });
    const journeys = await t.journeysWhen((all) =>
      all.some((j) => j.requestId === completion.id && j.spans.length === 3),
    );
    const journey = journeys.find((j) => j.requestId === completion.id) as Journey;
    expect(scopesOf(journey)).toEqual([API, LEGACY, CORE].sort());
    const api = journey.spans.find((span) => span.scope === API);
    for (const span of journey.spans) expect(span.traceId).toBe(api?.traceId);
    // Both the core span and the legacy span hang under the API's span.
    for (const span of journey.spans.filter((s) => s !== api)) {
      expect(span.parentSpanId).toBe(api?.spanId);
    }
  });

  it("tells the same journey in both streams: identical journey.* events, latencies within tolerance", async () => {
    t = await startTestServer(["--tracing-mode", "dual", ...PREEMPTING]);
    const ids = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const completion = await t?.client.completions.create({
          model: MODEL,
          prompt: `a long enough prompt to fill the small KV cache, number ${i} `.repeat(3),
          max_tokens: 48,
        });
        return completion?.id as string;
      }),
    );
    const journeys = await t.journeysWhen((all) =>
      ids.every((id) => all.some((j) => j.requestId === id && j.spans.length === 3)),
    );
    const comparisons = ids.map((id) =>
      compareStreams(journeys.find((j) => j.requestId === id) as Journey),
    );
    expect(comparisons.every((c) => c !== undefined)).toBe(true);
    for (const comparison of comparisons) {
      expect(comparison?.differences).toEqual([]);
      expect(comparison?.sameEvents).toBe(true);
      expect(comparison?.latencies).toHaveLength(6);
    }
    // The workload really preempts: the comparison covers PREEMPTED and RESUME.
    expect(comparisons.some((c) => c?.coreEvents.includes("journey.PREEMPTED"))).toBe(true);
    // Each stream reads its own clock, microseconds apart; a GC pause or a busy event loop
    // can land between two reads, so most (not all) requests must agree to the tolerance,
    // and none may be far off.
    const latencies = comparisons.flatMap((c) => c?.latencies ?? []);
    const within = latencies.filter((latency) => latency.withinTolerance).length;
    expect(within / latencies.length).toBeGreaterThanOrEqual(0.9);
    for (const latency of latencies) {
      expect(latency.differenceMs).toBeLessThan(10 * TOLERANCE_MS.api);
    }
  });
});
