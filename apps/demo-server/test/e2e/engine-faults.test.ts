import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JourneySpan } from "../../src/engine/engine-contract.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const MODEL = "llm-journey-simulated";

describe("the engine worker dying mid-request", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(["--step-time-base-ms", "10"]);
  });
  afterAll(() => t.close());

  it("fails in-flight requests promptly with engine_error, then serves again on a new worker", async () => {
    const body = (stream: boolean) =>
      JSON.stringify({
        model: MODEL,
        messages: [{ role: "user", content: "long" }],
        max_tokens: 20_000,
        stream,
      });
    const post = (stream: boolean) =>
      fetch(`${t.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: body(stream),
      });
    const nonStreaming = post(false);
    const streaming = await post(true);
    const reader = (streaming.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the stream has started
    await t.engine.crashForTests();

    const failed = await nonStreaming;
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe("engine_error");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += new TextDecoder().decode(chunk.value);
    expect(rest).toContain('"code":"engine_error"');
    expect(rest.trimEnd().endsWith("data: [DONE]")).toBe(true);

    const journeys = await t.journeysWhen(
      (all) =>
        all.flatMap((j) => j.spans).filter((span) => reasonOf(span) === "engine_error").length ===
        2,
    );
    const apiSpans = journeys
      .flatMap((j) => j.spans)
      .filter((span) => reasonOf(span) === "engine_error");
    for (const span of apiSpans) expect(span.status.code).toBe("ERROR");

    const after = await fetch(`${t.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: "user", content: "again" }],
        max_tokens: 3,
      }),
    });
    expect(after.status).toBe(200);
    await t.gaugesAtZero();
  }, 30_000);
});

function reasonOf(span: JourneySpan): unknown {
  return span.events.find((event) => event.name === "api.ABORTED")?.attributes.reason;
}
