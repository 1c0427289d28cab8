import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createCoreTracer } from "../create-core-tracer.js";
import { simulatedRequest } from "../examples/reference-scheduler.js";
import { createJourneyTracerProvider } from "./create-journey-tracer-provider.js";

interface Received {
  path: string | undefined;
  contentType: string | undefined;
  body: string;
}

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function startOtlpReceiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({
      path: request.url,
      contentType: request.headers["content-type"],
      body: Buffer.concat(chunks).toString("utf8"),
    });
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, received };
}

describe("the SDK entry point", () => {
  it("batches llm_core spans to an OTLP/HTTP endpoint with the service name", async () => {
    const receiver = await startOtlpReceiver();
    const provider = createJourneyTracerProvider({
      endpoint: receiver.url,
      serviceName: "engine-a",
    });
    const core = createCoreTracer({ tracerProvider: provider, sampleRate: 1 });
    core.requestAdded(simulatedRequest({ requestId: "otlp-1", promptTokens: 3, maxTokens: 1 }), 0);
    core.requestFinished("otlp-1", "stopped", 1);
    await provider.forceFlush();
    await provider.shutdown();
    expect(receiver.received).toHaveLength(1);
    const [post] = receiver.received;
    expect(post?.path).toBe("/v1/traces");
    expect(post?.contentType).toContain("application/json");
    const body = JSON.parse(post?.body ?? "{}");
    const resource = body.resourceSpans[0].resource.attributes;
    expect(resource).toContainEqual({ key: "service.name", value: { stringValue: "engine-a" } });
    const span = body.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.name).toBe("llm_core");
    expect(span.events.map((event: { name: string }) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.FINISHED",
    ]);
  });
});
