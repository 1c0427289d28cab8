import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Journey } from "../../src/journeys/journey-store.js";
import {
  gaugeValue,
  requestsTotal,
  startTestServer,
  type TestServer,
} from "../support/test-server.js";

const UPLOAD_TIMEOUT_MS = 300;
const BODY = JSON.stringify({
  model: "llm-journey-simulated",
  messages: [{ role: "user", content: "a body that never finishes arriving" }],
});

/** Sends the headers and half the body of a chat request, then nothing more. */
async function startSlowUpload(
  url: string,
): Promise<{ socket: Socket; received: Promise<string> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk.toString("utf8");
  });
  const ended = new Promise<string>((resolve) => {
    socket.once("close", () => resolve(received));
  });
  socket.on("error", () => {}); // the server may reset the connection: "close" follows
  socket.write(
    "POST /v1/chat/completions HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n" +
      `content-length: ${BODY.length}\r\n\r\n${BODY.slice(0, BODY.length / 2)}`,
  );
  return { socket, received: ended };
}

function abortedEvents(journeys: Journey[]) {
  return journeys.flatMap((journey) =>
    journey.spans.flatMap((span) => span.events.filter((e) => e.name === "api.ABORTED")),
  );
}

/** Waits until the server has the headers: the request's journey is then open. */
async function apiJourneyOpen(t: TestServer): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    if (gaugeValue(metrics, "llm_journey_active_spans", "api") === 1) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the request's journey never opened");
}

describe("slow uploads", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(["--upload-timeout-ms", String(UPLOAD_TIMEOUT_MS)]);
  });
  afterAll(() => t.close());

  it("cuts every request whose body does not arrive in time, with a 408 and its journey closed", async () => {
    const uploads = await Promise.all(Array.from({ length: 10 }, () => startSlowUpload(t.url)));
    // The server closes each connection itself: nothing here ends them.
    const answers = await Promise.all(uploads.map((upload) => upload.received));
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer.toLowerCase()).toContain("connection: close");
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
      expect(body).toEqual({
        error: {
          message: `the request's headers and body did not arrive within ${UPLOAD_TIMEOUT_MS} ms`,
          type: "invalid_request_error",
          param: null,
          code: "upload_timeout",
        },
      });
    }
    const journeys = await t.journeysWhen((all) => abortedEvents(all).length >= 10);
    const aborted = abortedEvents(journeys);
    expect(aborted).toHaveLength(10);
    for (const event of aborted) {
      expect(event.attributes).toMatchObject({ reason: "timeout", error: "408 upload_timeout" });
    }
    const spans = journeys.flatMap((journey) => journey.spans);
    expect(spans.every((span) => span.name === "llm_request" && span.status.code === "ERROR")).toBe(
      true,
    );
    await t.gaugesAtZero();
    expect(await requestsTotal(t.url, "invalid")).toBe(10);
  });

  it("still serves a request that arrives in time", async () => {
    const completion = await t.client.chat.completions.create({
      model: "llm-journey-simulated",
      messages: [{ role: "user", content: "quick" }],
      max_tokens: 3,
    });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });
});

describe("a client that leaves during the upload", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it("is traced as client_disconnect, as the request metric counts it", async () => {
    const upload = await startSlowUpload(t.url);
    await apiJourneyOpen(t);
    upload.socket.destroy();
    const journeys = await t.journeysWhen((all) => abortedEvents(all).length === 1);
    expect(abortedEvents(journeys)[0]?.attributes).toMatchObject({
      reason: "client_disconnect",
      error: "the client closed the connection",
    });
    await t.gaugesAtZero();
    expect(await requestsTotal(t.url, "client_disconnect")).toBe(1);
    expect(await requestsTotal(t.url, "invalid")).toBe(0);
  });
});
