import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";

const BODY = JSON.stringify({
  model: "llm-journey-simulated",
  messages: [{ role: "user", content: "hi" }],
  max_tokens: 3,
});

describe("compressed bodies and the debug routes' limit", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it("answers a compressed body with 415, as a body it cannot read, and traces it", async () => {
    for (const encoding of ["gzip", "deflate", "br", "GZIP"]) {
      const response = await fetch(`${t.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-encoding": encoding },
        body: encoding.toLowerCase() === "gzip" ? gzipSync(BODY) : BODY,
      });
      expect(response.status, encoding).toBe(415);
      expect(((await response.json()) as { error: unknown }).error).toEqual({
        message: "Content-Encoding is not supported: send the JSON body uncompressed",
        type: "invalid_request_error",
        param: null,
        code: "unsupported_content_encoding",
      });
    }
    const journeys = await t.journeysWhen((all) => all.length >= 4);
    const reasons = journeys.map(
      (j) => j.spans[0]?.events.find((e) => e.name === "api.ABORTED")?.attributes,
    );
    expect(reasons).toContainEqual({
      "event.ts.monotonic": expect.any(Number),
      reason: "validation_error",
      error: "415 unsupported_content_encoding",
    });
    // `identity` is no encoding at all.
    const plain = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "identity" },
      body: BODY,
    });
    expect(plain.status).toBe(200);
    await t.gaugesAtZero();
  });

  it("takes limit only as a decimal integer", async () => {
    for (const path of ["/debug/journeys", "/debug/steps"]) {
      for (const limit of ["0x10", "1e2", "+5", "5.0", " 5", "0b1", "-1", "0", "501"]) {
        const response = await fetch(`${t.url}${path}?limit=${encodeURIComponent(limit)}`);
        expect(response.status, `${path} ${limit}`).toBe(400);
        expect(((await response.json()) as { error: object }).error).toMatchObject({
          type: "invalid_request_error",
          param: "limit",
        });
      }
      for (const limit of ["1", "16", "500", "007"]) {
        const response = await fetch(`${t.url}${path}?limit=${limit}`);
        expect(response.status, `${path} ${limit}`).toBe(200);
      }
    }
  });
});
