import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journey } from "../../src/journeys/journey-store.js";
import { eventNames, spansOf, startTestServer, type TestServer } from "../support/test-server.js";

const MODEL = "llm-journey-simulated";
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

/** The linked pair of SPEC §1–§2 for a request that succeeded. */
function expectLinkedSuccess(journey: Journey) {
  const { api, core } = spansOf(journey);
  expect(api?.kind).toBe("SERVER");
  expect(api?.scope).toBe("llm-journey.api");
  expect(core?.kind).toBe("INTERNAL");
  expect(core?.scope).toBe("llm-journey.scheduler");
  expect(core?.traceId).toBe(api?.traceId);
  expect(core?.parentSpanId).toBe(api?.spanId);
  expect(eventNames(api)).toEqual([
    "api.ARRIVED",
    "api.HANDOFF_TO_CORE",
    "api.FIRST_RESPONSE_FROM_CORE",
    "api.DEPARTED",
  ]);
  const coreEvents = eventNames(core);
  expect(coreEvents.slice(0, 3)).toEqual([
    "journey.QUEUED",
    "journey.SCHEDULED",
    "journey.FIRST_TOKEN",
  ]);
  expect(coreEvents.at(-1)).toBe("journey.FINISHED");
  expect(api?.attributes["gen_ai.request.id"]).toBe(core?.attributes["gen_ai.request.id"]);
  return { api, core };
}

describe("the official openai client against the demo server", () => {
  it("gets a non-streaming chat completion and leaves a linked journey", async () => {
    const completion = await t.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Where does my request's time go?" }],
      max_tokens: 12,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    const { api } = expectLinkedSuccess(await t.journeyOf(completion.id));
    expect(api?.attributes["gen_ai.request.model"]).toBe(MODEL);
    expect(api?.attributes["gen_ai.usage.output_tokens"]).toBe(completion.usage?.completion_tokens);
    expect(api?.attributes["gen_ai.usage.input_tokens"]).toBe(completion.usage?.prompt_tokens);
  });

  it("streams a chat completion with the usage chunk", async () => {
    const stream = await t.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "stream please" }],
      max_tokens: 8,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let id = "";
    let usageChunk:
      | { choices: unknown[]; usage?: { completion_tokens: number } | null }
      | undefined;
    for await (const chunk of stream) {
      id = chunk.id;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usageChunk = chunk;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage?.completion_tokens).toBeGreaterThan(0);
    expectLinkedSuccess(await t.journeyOf(id));
  });

  it("works with the stream() helper's finalChatCompletion()", async () => {
    const runner = t.client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: "user", content: "helper" }],
      max_tokens: 6,
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(final.choices[0]?.finish_reason);
    expectLinkedSuccess(await t.journeyOf(final.id));
  });

  it("streams with stop strings in the shape the stream() helper accepts", async () => {
    for (const stop of [
      ["lorem", "ipsum", "dolor", "sit"],
      ["a", "e", "i", "o"],
    ]) {
      const final = await t.client.chat.completions
        .stream({
          model: MODEL,
          messages: [{ role: "user", content: `stop at ${stop[0]}` }],
          max_tokens: 40,
          stop,
        })
        .finalChatCompletion();
      expect(final.choices[0]?.message.role).toBe("assistant");
      for (const word of stop) expect(final.choices[0]?.message.content ?? "").not.toContain(word);
    }
  });

  it("serves /v1/completions, streaming and not", async () => {
    const completion = await t.client.completions.create({
      model: MODEL,
      prompt: "Once upon a time",
      max_tokens: 5,
    });
    expect(completion.object).toBe("text_completion");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(5);
    const { api } = expectLinkedSuccess(await t.journeyOf(completion.id));
    expect(api?.attributes["gen_ai.operation.name"]).toBe("text_completion");

    const stream = await t.client.completions.create({
      model: MODEL,
      prompt: "again",
      max_tokens: 4,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text.length).toBeGreaterThan(0);
  });

  it("lists the simulated model and says it is simulated", async () => {
    const models = await t.client.models.list();
    const model = models.data[0] as unknown as { id: string; description: string };
    expect(model.id).toBe(MODEL);
    expect(model.description).toMatch(/simulated/i);
  });
});

describe("a client that disconnects mid-stream", () => {
  let slow: TestServer;
  beforeAll(async () => {
    // Real step time, so the disconnect lands while tokens are still being generated.
    slow = await startTestServer(["--step-time-base-ms", "5"]);
  });
  afterAll(() => slow.close());

  it("records a client abort mid-stream as client_disconnect and finish.status=aborted", async () => {
    const controller = new AbortController();
    const stream = await slow.client.chat.completions.create(
      {
        model: MODEL,
        messages: [{ role: "user", content: "a long answer" }],
        max_tokens: 20_000,
        stream: true,
      },
      { signal: controller.signal },
    );
    let id = "";
    let chunks = 0;
    try {
      for await (const chunk of stream) {
        id = chunk.id;
        chunks++;
        controller.abort();
        break;
      }
    } catch {
      // Depending on timing the client ends the iteration or throws an abort error.
    }
    expect(chunks).toBe(1);
    const journey = await slow.journeyOf(id);
    const { api, core } = spansOf(journey);
    const aborted = api?.events.filter((event) => event.name === "api.ABORTED");
    expect(aborted).toHaveLength(1);
    expect(aborted?.[0]?.attributes.reason).toBe("client_disconnect");
    expect(api?.status.code).toBe("ERROR");
    const finished = core?.events.filter((event) => event.name === "journey.FINISHED");
    expect(finished).toHaveLength(1);
    expect(finished?.[0]?.attributes["finish.status"]).toBe("aborted");
    await slow.gaugesAtZero();
  });
});
