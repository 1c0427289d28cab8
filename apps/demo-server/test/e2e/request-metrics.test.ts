import { afterEach, describe, expect, it } from "vitest";
import { gaugeValue, startTestServer, type TestServer } from "../support/test-server.js";

const MODEL = "llm-journey-simulated";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** `llm_journey_requests_total` as `{ "endpoint outcome": count }`. */
function requestCounts(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of metrics.matchAll(
    /^llm_journey_requests_total\{endpoint="(\w+)",outcome="(\w+)"\} (\d+)$/gm,
  )) {
    counts[`${match[1]} ${match[2]}`] = Number(match[3]);
  }
  return counts;
}

const scrape = async (server: TestServer) => (await fetch(`${server.url}/metrics`)).text();

function post(server: TestServer, path: string, body: object, signal?: AbortSignal) {
  return fetch(`${server.url}/v1/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

const chat = (extra: object = {}) => ({
  model: MODEL,
  messages: [{ role: "user", content: "count me once" }],
  max_tokens: 4,
  ...extra,
});

/** Waits until `read` holds, polling; fails after about 5 s. */
async function until(read: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (await read()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("llm_journey_requests_total", () => {
  it("counts each request once, with the same outcome for a client that leaves, streaming or not", async () => {
    const server = await startTestServer(["--step-time-base-ms", "2"]);
    t = server;
    // Answered: 2 + 3 streamed chat, 1 completion.
    for (const stream of [false, false, true, true, true]) {
      const response = await post(server, "chat/completions", chat({ stream }));
      expect(response.status).toBe(200);
      await response.text();
    }
    const completion = await post(server, "completions", {
      model: MODEL,
      prompt: "x",
      max_tokens: 2,
    });
    expect(completion.status).toBe(200);
    await completion.text();
    // Refused before generation, streaming or not.
    for (const stream of [false, true]) {
      const response = await post(server, "chat/completions", chat({ stream, max_tokens: -1 }));
      expect(response.status).toBe(400);
      await response.text();
    }
    // A streaming client that leaves after its first chunk.
    const leaving = new AbortController();
    const streamed = await post(
      server,
      "chat/completions",
      chat({ stream: true, max_tokens: 20_000 }),
      leaving.signal,
    );
    const reader = (streamed.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    leaving.abort();
    await reader.read().catch(() => undefined);
    await until(
      async () => gaugeValue(await scrape(server), "llm_journey_active_spans", "api") === 0,
      "the streaming client's journey to close",
    );
    // A non-streaming client that leaves while its answer is generated.
    const impatient = new AbortController();
    const pending = post(
      server,
      "chat/completions",
      chat({ max_tokens: 20_000 }),
      impatient.signal,
    );
    await until(
      async () => gaugeValue(await scrape(server), "llm_journey_active_spans", "api") === 1,
      "the non-streaming request to be in flight",
    );
    impatient.abort();
    await pending.catch(() => undefined);

    await server.gaugesAtZero();
    expect(requestCounts(await scrape(server))).toEqual({
      "chat ok": 5,
      "completions ok": 1,
      "chat invalid": 2,
      "chat client_disconnect": 2,
    });
  }, 30_000);

  it("counts requests the engine fails as errors, once each, streaming or not", async () => {
    const server = await startTestServer(["--inject-engine-error-rate", "1"]);
    t = server;
    for (const stream of [true, false]) {
      const response = await post(server, "chat/completions", chat({ stream }));
      // Streamed or not, the body carries the OpenAI error (in an SSE event after a 200).
      expect(await response.text()).toContain('"error"');
    }
    await server.gaugesAtZero();
    expect(requestCounts(await scrape(server))).toEqual({ "chat error": 2 });
  }, 30_000);
});

describe("/metrics", () => {
  it("still answers, with the last known engine counts, when the engine worker is gone", async () => {
    const server = await startTestServer();
    t = server;
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    // Four workers in a row die before they are ready: the client stops restarting them.
    for (let crash = 0; crash < 4; crash++) await server.engine.crashForTests();
    await expect(server.engine.counts()).rejects.toThrow();
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(gaugeValue(text, "llm_journey_active_spans", "core")).toBe(0);
    expect(gaugeValue(text, "llm_journey_tracked_entries", "core")).toBe(0);
  }, 30_000);
});
