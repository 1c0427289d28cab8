import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JourneySpan } from "../../src/engine/engine-contract.js";
import type { Journey } from "../../src/journeys/journey-store.js";
import { eventNames, spansOf, startTestServer, type TestServer } from "../support/test-server.js";

const MODEL = "llm-journey-simulated";

async function post(url: string, body: string | object, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: (await response.json()) as { error?: Record<string, unknown> },
  };
}

describe("request validation", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const chat = (extra: object) => ({
    model: MODEL,
    messages: [{ role: "user", content: "hi" }],
    ...extra,
  });

  it.each([
    ["invalid JSON", "{not json", "invalid_json", null],
    ["a missing messages field", { model: MODEL }, "missing_required_parameter", "messages"],
    ["empty messages", { model: MODEL, messages: [] }, "invalid_value", "messages"],
    ["a wrongly typed max_tokens", chat({ max_tokens: "5" }), "invalid_value", "max_tokens"],
    ["a negative max_tokens", chat({ max_tokens: -1 }), "invalid_value", "max_tokens"],
    ["a huge max_tokens", chat({ max_tokens: 10_000_000 }), "invalid_value", "max_tokens"],
    ["a temperature out of range", chat({ temperature: 3 }), "invalid_value", "temperature"],
    ["an unknown field", chat({ frobnicate: true }), "invalid_value", "frobnicate"],
  ])("answers %s with an OpenAI-style 400", async (_label, body, code, param) => {
    const response = await post(`${t.url}/v1/chat/completions`, body);
    expect(response.status).toBe(400);
    expect(response.contentType).toContain("application/json");
    expect(response.body.error).toMatchObject({ type: "invalid_request_error", code, param });
    expect(typeof response.body.error?.message).toBe("string");
  });

  it("answers a body over the size limit with 413", async () => {
    const response = await post(`${t.url}/v1/completions`, {
      model: MODEL,
      prompt: "x".repeat(2 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(response.body.error?.code).toBe("request_too_large");
  });

  it("traces a validation failure as api.ABORTED with reason validation_error", async () => {
    await post(`${t.url}/v1/completions`, { model: MODEL, prompt: "p", max_tokens: 0 });
    const journeys = await t.journeysWhen((all) =>
      all.some((j) => j.spans.some(isValidationAbort)),
    );
    const span = journeys.flatMap((j) => j.spans).find(isValidationAbort) as JourneySpan;
    expect(span.status.code).toBe("ERROR");
    expect(eventNames(span)).toEqual(["api.ARRIVED", "api.ABORTED"]);
    await t.gaugesAtZero();
  });

  it("answers unknown routes with an OpenAI-style 404", async () => {
    const response = await fetch(`${t.url}/v1/nothing`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

function isValidationAbort(span: JourneySpan): boolean {
  return span.events.some(
    (event) => event.name === "api.ABORTED" && event.attributes.reason === "validation_error",
  );
}

describe("a preemption-heavy engine shape", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer([
      // Steps take time, so concurrent requests meet in the engine even when the machine
      // is too busy to send them at the same moment.
      "--step-time-base-ms",
      "3",
      "--step-time-per-prefill-token-ms",
      "0",
      "--step-time-per-decode-seq-ms",
      "0",
      "--num-kv-blocks",
      "12",
      "--block-size",
      "16",
      "--max-num-seqs",
      "4",
      "--max-num-batched-tokens",
      "64",
    ]);
  });
  afterAll(() => t.close());

  /** Six concurrent completions of `prompt`; resolves with their journeys, both spans in. */
  async function sixJourneys(prompt: string, maxTokens: number): Promise<Journey[]> {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.client.completions.create({ model: MODEL, prompt, max_tokens: maxTokens }),
      ),
    );
    const ids = new Set(results.map((result) => result.id));
    const complete = (j: Journey) => ids.has(j.requestId ?? "") && j.spans.length === 2;
    const journeys = await t.journeysWhen((all) => all.filter(complete).length === ids.size);
    return journeys.filter(complete);
  }

  it("preempts, resumes, and keeps prefill progress and preemption counts consistent", async () => {
    const journeys = await sixJourneys(
      "tell me everything about continuous batching ".repeat(6),
      60,
    );
    const cores = journeys.map((j) => spansOf(j).core as JourneySpan);
    const preempted = cores.filter((core) => eventNames(core).includes("journey.PREEMPTED"));
    expect(preempted.length).toBeGreaterThan(0);
    for (const core of cores) {
      const names = eventNames(core);
      names.forEach((name, i) => {
        if (name === "journey.PREEMPTED" && i + 1 < names.length - 1) {
          expect(names[i + 1]).toBe("journey.SCHEDULED");
          expect(core.events[i + 1]?.attributes["schedule.kind"]).toBe("RESUME");
        }
      });
      const progress = core.events.map(
        (event) => event.attributes["prefill.done_tokens"] as number,
      );
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      const finished = core.events.at(-1);
      expect(finished?.name).toBe("journey.FINISHED");
      expect(finished?.attributes.num_preemptions).toBe(
        names.filter((name) => name === "journey.PREEMPTED").length,
      );
    }
  });

  it("carries the engine's queue, prefill and decode times to llm_request", async () => {
    const journeys = await sixJourneys(
      "where did the time go while this request waited its turn ".repeat(5),
      40,
    );
    const names = [
      "gen_ai.latency.time_in_queue",
      "gen_ai.latency.time_in_model_prefill",
      "gen_ai.latency.time_in_model_decode",
    ];
    for (const journey of journeys) {
      const { api, core } = spansOf(journey);
      for (const name of names) {
        const onApi = api?.attributes[name];
        const onCore = core?.attributes[name];
        expect(onApi, name).toBeTypeOf("number");
        // The core tracer's own figures, sent back with the request's last output.
        expect(onApi, name).toBe(onCore);
      }
      const engineTotal = names.reduce((sum, name) => sum + (api?.attributes[name] as number), 0);
      expect(engineTotal).toBeLessThanOrEqual(api?.attributes["gen_ai.latency.e2e"] as number);
    }
  });
});

describe("after a burst of mixed requests", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(["--inject-engine-error-rate", "0.3", "--num-kv-blocks", "24"]);
  });
  afterAll(() => t.close());

  it("reads 0 on both layers' gauges, with every request answered", async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, async (_, i) => {
        const controller = new AbortController();
        if (i % 5 === 0) setTimeout(() => controller.abort(), 1 + (i % 7));
        const stream = i % 2 === 0;
        if (!stream) {
          return t.client.chat.completions.create(
            { model: MODEL, messages: [{ role: "user", content: `request ${i}` }], max_tokens: 30 },
            { signal: controller.signal },
          );
        }
        const chunks = await t.client.chat.completions.create(
          {
            model: MODEL,
            messages: [{ role: "user", content: `request ${i}` }],
            max_tokens: 30,
            stream: true,
          },
          { signal: controller.signal },
        );
        for await (const _chunk of chunks) {
          // read to the end
        }
        return undefined;
      }),
    );
    expect(outcomes).toHaveLength(40);
    expect(outcomes.some((o) => o.status === "fulfilled")).toBe(true);
    expect(outcomes.some((o) => o.status === "rejected")).toBe(true);
    const metrics = await t.gaugesAtZero();
    expect(metrics).toContain('llm_journey_requests_total{endpoint="chat",outcome="ok"}');
  });
});
