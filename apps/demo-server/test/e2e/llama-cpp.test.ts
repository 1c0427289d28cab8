import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineClient } from "../../src/engine/engine-client.js";
import type { JourneySpan } from "../../src/engine/engine-contract.js";
import type { Journey } from "../../src/journeys/journey-store.js";
import { eventNames, spansOf, startTestServer, type TestServer } from "../support/test-server.js";

// Real llama.cpp on the generated tiny model (random weights: the text is gibberish, the
// batching real). One sequence and one queued request, so that a second request waits in
// llama's queue and a third is refused; one thread, as on a small CI machine.
const MODEL = "llm-journey-generated-tiny";
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer([
    "--engine",
    "llama-cpp",
    "--threads",
    "1",
    "--max-num-seqs",
    "1",
    "--max-queued-requests",
    "1",
    "--step-tracing-sample-rate",
    "1",
  ]);
}, 60_000);
afterAll(() => t.close());

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("timed out waiting");
}

async function steps(): Promise<JourneySpan[]> {
  const response = await fetch(`${t.url}/debug/steps?limit=500`);
  return ((await response.json()) as { steps: JourneySpan[] }).steps;
}

/** Both spans, linked through the header map alone, and the core span's real-time events. */
function expectLinkedJourney(journey: Journey, finishStatus: string) {
  const { api, core } = spansOf(journey);
  expect(api?.scope).toBe("llm-journey.api");
  expect(core?.scope).toBe("llm-journey.scheduler");
  expect(core?.traceId).toBe(api?.traceId);
  expect(core?.parentSpanId).toBe(api?.spanId);
  expect(core?.attributes["gen_ai.request.id"]).toBe(journey.requestId);
  const events = eventNames(core);
  expect(events.slice(0, 3)).toEqual([
    "journey.QUEUED",
    "journey.SCHEDULED",
    "journey.FIRST_TOKEN",
  ]);
  expect(events.at(-1)).toBe("journey.FINISHED");
  expect(core?.events.at(-1)?.attributes["finish.status"]).toBe(finishStatus);
  return { api: api as JourneySpan, core: core as JourneySpan };
}

/** The step spans of llama.cpp's batches that held the request's tokens, linked to its core span. */
async function expectStepsLinkedTo(core: JourneySpan): Promise<JourneySpan[]> {
  const linked = (await steps()).filter((step) =>
    step.links?.some((link) => link.spanId === core.spanId && link.traceId === core.traceId),
  );
  expect(linked.length).toBeGreaterThan(0);
  const phases = new Set(
    linked.flatMap((step) =>
      (step.links ?? [])
        .filter((link) => link.spanId === core.spanId)
        .map((l) => l.attributes.phase),
    ),
  );
  // The prompt's batch, then one token per decode batch.
  expect(phases).toEqual(new Set(["PREFILL", "DECODE"]));
  return linked;
}

// Loading llama.cpp and generating take a moment on a loaded two-core machine.
describe("the demo server over llama.cpp (--engine llama-cpp)", { timeout: 30_000 }, () => {
  it("names the generated model in /v1/models, saying what it is", async () => {
    const models = await t.client.models.list();
    expect(models.data.map((model) => model.id)).toEqual([MODEL]);
    const [model] = models.data as Array<{ description?: string }>;
    expect(model?.description).toMatch(/random weights/);
  });

  it("answers a chat completion through the official client, with linked spans and step spans", async () => {
    const completion = await t.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Where does my request's time go?" }],
      max_tokens: 8,
      temperature: 0,
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(8);
    const { api, core } = expectLinkedJourney(await t.journeyOf(completion.id), "length");
    expect(eventNames(api)).toEqual([
      "api.ARRIVED",
      "api.HANDOFF_TO_CORE",
      "api.FIRST_RESPONSE_FROM_CORE",
      "api.DEPARTED",
    ]);
    expect(api.attributes["gen_ai.usage.input_tokens"]).toBe(completion.usage?.prompt_tokens);
    expect(api.attributes["gen_ai.usage.output_tokens"]).toBe(8);
    // The core tracer measured the real prefill and decode.
    expect(api.attributes["gen_ai.latency.time_in_model_prefill"]).toBeGreaterThan(0);
    expect(core.attributes["gen_ai.latency.time_in_model_decode"]).toBeGreaterThan(0);
    await expectStepsLinkedTo(core);
    await t.gaugesAtZero();
  });

  it("streams a completion with its usage chunk, ending at a stop or the length", async () => {
    const stream = await t.client.completions.create({
      model: MODEL,
      prompt: "Once upon a time",
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    let id = "";
    let finishReason: string | null | undefined;
    let usage: { completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      id = chunk.id;
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      usage = chunk.usage ?? usage;
    }
    expect(finishReason).toBe("length");
    expect(usage?.completion_tokens).toBe(6);
    const { core } = expectLinkedJourney(await t.journeyOf(id), "length");
    const decodeDone = core.events.at(-1)?.attributes["decode.done_tokens"];
    expect(decodeDone).toBe(6);
    await expectStepsLinkedTo(core);
    await t.gaugesAtZero();
  });

  it("queues a request while the sequence is busy, refuses one past the queue with 429, and ends an aborted stream as client_disconnect", async () => {
    const controller = new AbortController();
    // The context's whole length: long enough to still run while the others arrive.
    const first = await t.client.chat.completions.create(
      {
        model: MODEL,
        messages: [{ role: "user", content: "a long answer" }],
        max_tokens: 4_000,
        stream: true,
      },
      { signal: controller.signal },
    );
    const iterator = first[Symbol.asyncIterator]();
    const firstChunk = await iterator.next();
    const firstId = firstChunk.value?.id as string;
    // The sequence is taken: this one waits in the queue…
    const queued = t.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "after you" }],
      max_tokens: 4,
    });
    await waitUntil(async () => (await t.engine.counts()).waiting === 1);
    // …and the queue (one) is full: refused at once.
    const refused = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "no room" }] }),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).not.toBeNull();
    controller.abort();
    await iterator.return?.().catch(() => undefined);

    const aborted = spansOf(await t.journeyOf(firstId));
    const apiAborted = aborted.api?.events.filter((event) => event.name === "api.ABORTED");
    expect(apiAborted?.map((event) => event.attributes.reason)).toEqual(["client_disconnect"]);
    expect(aborted.core?.events.at(-1)?.attributes["finish.status"]).toBe("aborted");

    // The waiting request got the sequence once the aborted one gave it back.
    const second = await queued;
    const { core } = expectLinkedJourney(await t.journeyOf(second.id), "length");
    const [queuedAt, scheduledAt] = core.events.slice(0, 2);
    expect(Number(scheduledAt?.attributes["ts.monotonic"])).toBeGreaterThan(
      Number(queuedAt?.attributes["ts.monotonic"]),
    );
    expect(scheduledAt?.attributes["scheduler.step"]).toBeGreaterThan(
      queuedAt?.attributes["scheduler.step"] as number,
    );
    await t.gaugesAtZero();
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/llm_journey_requests_total\{endpoint="chat",outcome="overloaded"\} 1/);
  });

  it("refuses a prompt that does not fit a sequence's context with 400 context_length_exceeded", async () => {
    const response = await fetch(`${t.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, prompt: "x".repeat(3_000), max_tokens: 4 }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.message).toMatch(/fit the context/);
    await t.gaugesAtZero();
  });

  it("refuses to start on a model file llama.cpp cannot load, saying so", async () => {
    const missing = fileURLToPath(new URL("no-such-model.gguf", import.meta.url));
    await expect(EngineClient.start({ llamaCpp: { modelPath: missing } })).rejects.toThrow(
      /the engine worker exited before it was ready: .*no-such-model\.gguf/,
    );
  });
});
