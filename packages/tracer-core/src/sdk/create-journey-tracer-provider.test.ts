import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { SAMPLED_HEADER } from "@llm-journey/context-propagation";
import { defaultServiceName, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  type SpanExporter,
} from "@opentelemetry/sdk-trace";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCoreTracer } from "../create-core-tracer.js";
import { simulatedRequest } from "../examples/reference-scheduler.js";
import { PACKAGE_VERSION } from "../package-version.js";
import {
  createJourneyTracerProvider,
  type JourneyTracerProviderOptions,
} from "./create-journey-tracer-provider.js";

interface Received {
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const server of servers.splice(0)) server.close();
});

async function startOtlpReceiver(): Promise<{ base: string; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({ path: request.url, headers: request.headers, body: Buffer.concat(chunks) });
    const json = request.headers["content-type"]?.includes("json");
    response.writeHead(200, {
      "content-type": json ? "application/json" : "application/x-protobuf",
    });
    response.end(json ? "{}" : undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return { base, url: `${base}/v1/traces`, received };
}

/** Runs `count` one-token journeys through a core tracer on the provider, then shuts it down. */
async function exportJourneys(
  options: JourneyTracerProviderOptions,
  count = 1,
  traceHeaders?: Record<string, string>,
): Promise<void> {
  const provider = createJourneyTracerProvider(options);
  const core = createCoreTracer({ tracerProvider: provider, sampleRate: 1 });
  for (let i = 0; i < count; i++) {
    const request = simulatedRequest({
      requestId: `sdk-${i}`,
      promptTokens: 3,
      maxTokens: 1,
      ...(traceHeaders ? { traceHeaders } : {}),
    });
    core.requestAdded(request, 0);
    core.requestFinished(request, "stopped", 1);
  }
  await provider.shutdown();
}

interface JsonAttribute {
  key: string;
  value: { stringValue?: string };
}

function jsonExport(post: Received | undefined) {
  const body = JSON.parse(post?.body.toString("utf8") ?? "{}");
  const resourceSpans = body.resourceSpans[0];
  const attributes = resourceSpans.resource.attributes as JsonAttribute[];
  return {
    resource: Object.fromEntries(attributes.map((a) => [a.key, a.value.stringValue])),
    scope: resourceSpans.scopeSpans[0].scope as { name: string; version: string },
    spans: resourceSpans.scopeSpans[0].spans as Array<{
      name: string;
      events: Array<{ name: string }>;
    }>,
  };
}

const UNSAMPLED_CALLER = {
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
  [SAMPLED_HEADER]: "1",
};

describe("the SDK entry point", () => {
  it("exports OTLP/HTTP protobuf by default, as OpenTelemetry specifies", async () => {
    const receiver = await startOtlpReceiver();
    await exportJourneys({ endpoint: receiver.url, serviceName: "engine-a" });
    expect(receiver.received).toHaveLength(1);
    const [post] = receiver.received;
    expect(post?.path).toBe("/v1/traces");
    expect(post?.headers["content-type"]).toBe("application/x-protobuf");
    // Protobuf keeps strings as UTF-8 bytes: the span, its events and the resource are there.
    for (const text of ["llm_core", "journey.QUEUED", "journey.FINISHED", "engine-a"]) {
      expect(post?.body.includes(Buffer.from(text))).toBe(true);
    }
    expect(post?.body.includes(Buffer.from('"resourceSpans"'))).toBe(false);
  });

  it("exports JSON when asked, by option or by OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", async () => {
    const receiver = await startOtlpReceiver();
    await exportJourneys({ endpoint: receiver.url, protocol: "http/json" });
    vi.stubEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json");
    await exportJourneys({ endpoint: receiver.url });
    expect(receiver.received.map((post) => post.headers["content-type"])).toEqual([
      "application/json",
      "application/json",
    ]);
    const { spans } = jsonExport(receiver.received[1]);
    expect(spans.map((span) => span.name)).toEqual(["llm_core"]);
    expect(spans[0]?.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.FINISHED",
    ]);
  });

  it("names the service as OpenTelemetry does and the scope with this package's version by default", async () => {
    const receiver = await startOtlpReceiver();
    await exportJourneys({ endpoint: receiver.url, protocol: "http/json" });
    const { resource, scope } = jsonExport(receiver.received[0]);
    // unknown_service:node when started as `node`; the SDK names the executable it ran.
    expect(resource["service.name"]).toBe(defaultServiceName());
    expect(resource["service.name"]).toMatch(/^unknown_service:/);
    expect(resource["telemetry.sdk.language"]).toBe("nodejs");
    expect(scope).toEqual({ name: "llm-journey.scheduler", version: PACKAGE_VERSION });
    expect(PACKAGE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("layers the resource option, OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME and serviceName", async () => {
    const receiver = await startOtlpReceiver();
    const resource = resourceFromAttributes({
      "service.name": "from-code",
      "deployment.environment.name": "from-code",
      "host.role": "engine",
    });
    vi.stubEnv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging,team=infra");
    await exportJourneys({ endpoint: receiver.url, protocol: "http/json", resource });
    vi.stubEnv("OTEL_SERVICE_NAME", "from-env");
    await exportJourneys({ endpoint: receiver.url, protocol: "http/json", resource });
    await exportJourneys({
      endpoint: receiver.url,
      protocol: "http/json",
      serviceName: "explicit",
    });
    const [first, second, third] = receiver.received.map((post) => jsonExport(post).resource);
    expect(first).toMatchObject({
      "service.name": "from-code",
      "deployment.environment.name": "staging",
      "host.role": "engine",
      team: "infra",
    });
    expect(second?.["service.name"]).toBe("from-env");
    expect(third?.["service.name"]).toBe("explicit");
  });

  it("reads the endpoint and headers from the standard OTLP variables", async () => {
    const receiver = await startOtlpReceiver();
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.base);
    vi.stubEnv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret,x-tenant=a");
    vi.stubEnv("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-tenant=b");
    await exportJourneys({});
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.path).toBe("/v1/traces");
    expect(receiver.received[0]?.headers["x-api-key"]).toBe("secret");
    expect(receiver.received[0]?.headers["x-tenant"]).toBe("b");
  });

  it("batches as OTEL_BSP_MAX_EXPORT_BATCH_SIZE says, unless the batch option overrides it", async () => {
    const receiver = await startOtlpReceiver();
    vi.stubEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "2");
    await exportJourneys({ endpoint: receiver.url }, 5);
    expect(receiver.received).toHaveLength(3);
    receiver.received.length = 0;
    await exportJourneys({ endpoint: receiver.url, batch: { maxExportBatchSize: 5 } }, 5);
    expect(receiver.received).toHaveLength(1);
  });
});

describe("sampling with the SDK entry point", () => {
  async function coreSpansFor(options: JourneyTracerProviderOptions): Promise<number> {
    const exporter = new InMemorySpanExporter();
    let exported = 0;
    // The in-memory exporter forgets its spans at shutdown: count them as they arrive.
    const counting: SpanExporter = {
      export: (spans, done) => {
        exported += spans.length;
        exporter.export(spans, done);
      },
      shutdown: () => exporter.shutdown(),
    };
    await exportJourneys({ exporter: counting, ...options }, 1, UNSAMPLED_CALLER);
    return exported;
  }

  it("traces a journey the API layer sampled even when the caller's flag says not sampled", async () => {
    expect(await coreSpansFor({})).toBe(1);
  });

  it("follows the caller's sampled flag only when the operator opts in", async () => {
    expect(await coreSpansFor({ followClientSampling: true })).toBe(0);
  });

  it("uses the sampler it is given", async () => {
    expect(await coreSpansFor({ sampler: new AlwaysOffSampler() })).toBe(0);
  });
});

describe("configuration mistakes", () => {
  it("throws for a protocol it cannot speak, given or from the environment", () => {
    expect(() =>
      createJourneyTracerProvider({ protocol: "grpc" as unknown as "http/json" }),
    ).toThrow(/protocol "grpc" is not an OTLP protocol supported here/);
    vi.stubEnv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobof");
    expect(() => createJourneyTracerProvider()).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL "http\/protobof" is not an OTLP protocol/,
    );
  });

  it("throws when exporter replaces options that would be ignored", () => {
    expect(() =>
      createJourneyTracerProvider({
        exporter: new InMemorySpanExporter(),
        endpoint: "http://127.0.0.1:4318/v1/traces",
      }),
    ).toThrow(/endpoint configure the OTLP exporter, which exporter replaces/);
  });

  it("throws for a batch size that is not a whole number, naming its source", () => {
    const exporter = new InMemorySpanExporter();
    vi.stubEnv("OTEL_BSP_MAX_QUEUE_SIZE", "-3");
    expect(() => createJourneyTracerProvider({ exporter })).toThrow(
      /OTEL_BSP_MAX_QUEUE_SIZE must be a whole number of at least 1, got -3/,
    );
    expect(() =>
      createJourneyTracerProvider({
        exporter,
        batch: { maxQueueSize: 10, maxExportBatchSize: 0.5 },
      }),
    ).toThrow(/batch.maxExportBatchSize must be/);
  });
});
