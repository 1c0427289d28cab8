import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JourneySpan } from "../../src/engine/engine-contract.js";
import { byRequestId, spansOf, startTestServer, type TestServer } from "../support/test-server.js";

const MODEL = "llm-journey-simulated";
const SECRET_PROMPT = "my card number is 4111 1111 1111 1111";
const OUTGOING_TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

async function chat(url: string, headers: Record<string, string> = {}, content = "hello") {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content }], max_tokens: 4 }),
  });
  return { status: response.status, body: (await response.json()) as { id: string } };
}

async function spansFor(
  t: TestServer,
  id: string,
): Promise<{ api: JourneySpan; core: JourneySpan }> {
  const journeys = await t.journeysWhen(byRequestId(id));
  return spansOf(journeys.find((journey) => journey.requestId === id) as never) as {
    api: JourneySpan;
    core: JourneySpan;
  };
}

describe("what a client cannot do", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(["--journey-tracing-sample-rate", "0"]);
  });
  afterAll(() => t.close());

  it("cannot force tracing on with x-llm-journey-sampled at rate 0", async () => {
    for (let i = 0; i < 10; i++) {
      expect((await chat(t.url, { "x-llm-journey-sampled": "1" })).status).toBe(200);
    }
    const journeys = (await (await fetch(`${t.url}/debug/journeys?limit=500`)).json()) as {
      journeys: unknown[];
    };
    expect(journeys.journeys).toEqual([]);
    await t.gaugesAtZero();
  });
});

describe("what is never recorded", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it("records no prompt, completion, authorization or cookie by default", async () => {
    const { body } = await chat(
      t.url,
      { authorization: "Bearer sk-very-secret", cookie: "session=abc123" },
      SECRET_PROMPT,
    );
    const { api, core } = await spansFor(t, body.id);
    const recorded = JSON.stringify([api, core]);
    // Whole phrases: a bare "4111" can occur in any id or nanosecond timestamp.
    for (const secret of [
      "4111 1111",
      "card number",
      "sk-very-secret",
      "abc123",
      "authorization",
      "cookie",
    ]) {
      expect(recorded).not.toContain(secret);
    }
    expect(api.attributes["gen_ai.input.messages"]).toBeUndefined();
  });

  it("accepts a client's traceparent by default, and any garbage without breaking", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const { body } = await chat(t.url, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    const { api } = await spansFor(t, body.id);
    expect(api.traceId).toBe(traceId);
    expect(api.parentSpanId).toBe("00f067aa0ba902b7");
  });

  it("never fails a request, whatever trace headers a client sends", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
        fc.string({ maxLength: 300 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
        async (traceparent, tracestate) => {
          const { status, body } = await chat(t.url, { traceparent, tracestate });
          expect(status).toBe(200);
          const { api, core } = await spansFor(t, body.id);
          expect(core.parentSpanId).toBe(api.spanId);
          expect(`00-${api.traceId}-${api.spanId}-01`).toMatch(OUTGOING_TRACEPARENT);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it("keeps request content out of the span when the body is not valid JSON", async () => {
    const response = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"model":"m","messages":[{"role":"user","content": my secret plan }]}',
    });
    expect(response.status).toBe(400);
    const journeys = await t.journeysWhen((all) =>
      all.some((j) =>
        j.spans.some((span) => span.events.some((e) => e.attributes.error === "400 invalid_json")),
      ),
    );
    expect(JSON.stringify(journeys)).not.toContain("secret");
  });

  it("answers oversized headers with 431 and keeps serving", async () => {
    const response = await fetch(`${t.url}/health`, {
      headers: { tracestate: `a=${"x".repeat(64 * 1024)}` },
    });
    expect(response.status).toBe(431);
    expect((await chat(t.url)).status).toBe(200);
  });

  it("answers a body that is not UTF-8 with an OpenAI-style 400", async () => {
    const response = await fetch(`${t.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      // Valid JSON for a valid request, but for two bytes that are not UTF-8.
      body: Buffer.concat([
        Buffer.from('{"model":"m","prompt":"'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_encoding" });
    expect((await chat(t.url)).status).toBe(200);
  });

  it("answers every body that is not JSON with 415, text/plain included", async () => {
    const json = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    for (const type of ["text/plain", "text/plain; charset=utf-8", "application/xml", "text/csv"]) {
      const response = await fetch(`${t.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": type },
        body: json,
      });
      expect(response.status, type).toBe(415);
      expect(((await response.json()) as { error: unknown }).error).toEqual({
        message: "Content-Type must be application/json",
        type: "invalid_request_error",
        param: null,
        code: "unsupported_media_type",
      });
    }
  });
});

describe("opting in and distrusting", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(["--capture-content", "--no-trust-client-trace-context"]);
  });
  afterAll(() => t.close());

  it("records prompt and completion only with --capture-content", async () => {
    const { body } = await chat(t.url, {}, "please remember this");
    const { api } = await spansFor(t, body.id);
    expect(api.attributes["gen_ai.input.messages"]).toContain("please remember this");
    expect(String(api.attributes["gen_ai.output.messages"])).toContain("assistant");
  });

  it("records the streamed completion too with --capture-content", async () => {
    const stream = await t.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "stream it" }],
      max_tokens: 6,
      stream: true,
    });
    let text = "";
    let id = "";
    for await (const chunk of stream) {
      id = chunk.id;
      text += chunk.choices[0]?.delta.content ?? "";
    }
    const { api } = await spansFor(t, id);
    expect(JSON.parse(String(api.attributes["gen_ai.output.messages"]))).toEqual([
      { role: "assistant", content: text },
    ]);
    expect(text.length).toBeGreaterThan(0);
  });

  it("starts a new trace for a client's traceparent with --no-trust-client-trace-context", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const { body } = await chat(t.url, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    const { api, core } = await spansFor(t, body.id);
    expect(api.traceId).not.toBe(traceId);
    expect(api.parentSpanId).toBeNull();
    expect(core.parentSpanId).toBe(api.spanId);
  });

  it("binds to loopback by default", async () => {
    expect(new URL(t.url).hostname).toBe("127.0.0.1");
  });
});
