import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journey } from "../../src/journeys/journey-store.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const MODEL = "llm-journey-simulated";
const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 16_384;
/** A non-text part of 400 kB: it is not prompt text, but it is captured with the messages. */
const IMAGE_URL = `data:image/png;base64,${"A".repeat(400_000)}`;

async function sendWithImages(t: TestServer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 2,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: `describe picture ${i}` },
              { type: "image_url", image_url: { url: IMAGE_URL } },
            ],
          },
        ],
      }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
}

async function debugJourneys(t: TestServer): Promise<{ status: number; text: string }> {
  const response = await fetch(`${t.url}/debug/journeys?limit=500`);
  return { status: response.status, text: await response.text() };
}

function inputMessages(journeys: Journey[]): string[] {
  return journeys.flatMap((journey) =>
    journey.spans.flatMap((span) => {
      const value = span.attributes["gen_ai.input.messages"];
      return typeof value === "string" ? [value] : [];
    }),
  );
}

describe("captured content with the default limits", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(["--capture-content"]);
  });
  afterAll(() => t.close());

  it("cuts each captured attribute, so 60 requests with a 400 kB part leave a small /debug/journeys", async () => {
    await sendWithImages(t, 60);
    await t.journeysWhen((all) => inputMessages(all).length === 60);
    const { status, text } = await debugJourneys(t);
    expect(status).toBe(200);
    const captured = inputMessages((JSON.parse(text) as { journeys: Journey[] }).journeys);
    expect(captured).toHaveLength(60);
    for (const value of captured) {
      expect(value.length).toBe(DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT);
      expect(value.startsWith('[{"role":"user","content":[{"type":"text","text":"describe')).toBe(
        true,
      );
    }
    // 60 journeys of two spans, each well under two attribute limits: not 24 MB of images.
    expect(text.length).toBeLessThan(60 * 2 * DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT);
    await t.gaugesAtZero();
  }, 60_000);
});

describe("captured content with a raised attribute limit", () => {
  const MAX_BYTES = 2_000_000;
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer([
      "--capture-content",
      "--attribute-value-length-limit",
      "1000000",
      "--journey-store-max-bytes",
      String(MAX_BYTES),
    ]);
  });
  afterAll(() => t.close());

  it("keeps the journey store within its bytes, and /debug/journeys answering", async () => {
    await sendWithImages(t, 60);
    const { status, text } = await debugJourneys(t);
    expect(status).toBe(200);
    const { journeys } = JSON.parse(text) as { journeys: Journey[] };
    // Whole 400 kB parts now, so only the newest few traces fit in 2 MB.
    const captured = inputMessages(journeys);
    expect(captured.length).toBeGreaterThan(0);
    expect(captured.length).toBeLessThan(60);
    expect(captured[0]).toContain("describe picture 59");
    expect(captured[0]?.length).toBeGreaterThan(400_000);
    expect(text.length).toBeLessThanOrEqual(MAX_BYTES);
    expect(t.server.store.bytes).toBeLessThanOrEqual(MAX_BYTES);
  }, 60_000);
});
