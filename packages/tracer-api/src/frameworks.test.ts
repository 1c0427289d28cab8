import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import {
  assertNoTrackedEntries,
  createTestTracing,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import Fastify from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiJourneyTracer } from "./api-tracer.js";
import { createApiTracer } from "./create-api-tracer.js";
import { tracePromise } from "./trace-promise.js";
import { traceStream } from "./trace-stream.js";

let testing: TestTracing;
let api: ApiJourneyTracer;
beforeEach(() => {
  testing = createTestTracing();
  api = createApiTracer({ tracerProvider: testing.provider });
});
afterEach(() => testing.shutdown());

/** A stand-in engine: one token every few milliseconds, stopped by the signal. */
async function* generate(count: number, signal: AbortSignal): AsyncGenerator<string> {
  for (let i = 0; i < count && !signal.aborted; i++) {
    await sleep(3);
    yield `token-${i} `;
  }
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of source) all.push(item);
  return all;
}

/** An abort signal that fires when the client goes away before the response is complete. */
function disconnectSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.on("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(5);
}

function apiOutcomes(): unknown[] {
  return testing
    .spansNamed("llm_request")
    .map((span) => span.events.at(-1))
    .map((event) => (event?.name === "api.DEPARTED" ? "departed" : event?.attributes?.reason));
}

describe("with plain node:http", () => {
  async function start() {
    const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
      const handle = api.startJourney({
        requestId: String(request.headers["x-request-id"]),
        headers: request.headers,
      });
      const signal = disconnectSignal(response);
      handle.handoffToCore();
      try {
        if (request.url === "/stream") {
          response.writeHead(200, { "content-type": "text/event-stream" });
          for await (const token of traceStream(handle, generate(50, signal), { signal })) {
            response.write(`data: ${token}\n\n`);
          }
          response.end("data: [DONE]\n\n");
        } else {
          const text = await tracePromise(
            handle,
            async () => (await collect(generate(3, signal))).join(""),
            { signal },
          );
          response
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ text }));
        }
      } catch (error) {
        handle.aborted("exception", error); // does nothing when already closed
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it("closes a streamed response with DEPARTED and a disconnected one with client_disconnect", async () => {
    const { server, url } = await start();
    try {
      const full = await fetch(`${url}/stream`, { headers: { "x-request-id": "full" } });
      expect(await full.text()).toContain("data: [DONE]");
      const response = await fetch(`${url}/json`, { headers: { "x-request-id": "json" } });
      const json = (await response.json()) as { text: string };
      expect(json.text).toBe("token-0 token-1 token-2 ");

      const client = new AbortController();
      const partial = await fetch(`${url}/stream`, {
        headers: { "x-request-id": "cut" },
        signal: client.signal,
      });
      const reader = (partial.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      client.abort();
      await waitUntil(() => testing.spansNamed("llm_request").length === 3);
      expect(apiOutcomes().sort()).toEqual(["client_disconnect", "departed", "departed"]);
      testing.assertEverySpanEndedOnce();
      assertNoTrackedEntries(api, "api");
    } finally {
      server.close();
    }
  });
});

describe("with Fastify", () => {
  it("closes streaming and non-streaming routes, and a client disconnect mid-stream", async () => {
    const app = Fastify({ forceCloseConnections: true });
    app.get("/json", async (request, reply) => {
      const handle = api.startJourney({ requestId: request.id, headers: request.headers });
      const signal = disconnectSignal(reply.raw);
      return tracePromise(
        handle,
        async () => ({ text: (await collect(generate(2, signal))).join("") }),
        { signal },
      );
    });
    app.get("/stream", (request, reply) => {
      const handle = api.startJourney({ requestId: request.id, headers: request.headers });
      const signal = disconnectSignal(reply.raw);
      const body = traceStream(handle, generate(50, signal), { signal });
      // Fastify streams any Node readable; the journey closes however the stream ends.
      reply.header("content-type", "text/plain");
      return reply.send(Readable.from(body));
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      const json = (await (await fetch(`${url}/json`)).json()) as { text: string };
      expect(json.text).toBe("token-0 token-1 ");
      const client = new AbortController();
      const partial = await fetch(`${url}/stream`, { signal: client.signal });
      await (partial.body as ReadableStream<Uint8Array>).getReader().read();
      client.abort();
      await waitUntil(() => testing.spansNamed("llm_request").length === 2);
      expect(apiOutcomes().sort()).toEqual(["client_disconnect", "departed"]);
      testing.assertEverySpanEndedOnce();
      assertNoTrackedEntries(api, "api");
    } finally {
      await app.close();
    }
  });
});
