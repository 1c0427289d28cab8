import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startServerProcess } from "../reliability/server-process.js";

export type OtlpProtocol = "http/protobuf" | "http/json";

export interface PayloadMeasurement {
  /** The protocol asked for; undefined means the server's default. */
  readonly protocol: OtlpProtocol | undefined;
  readonly requests: number;
  /** Content types the collector received, once each. */
  readonly contentTypes: string[];
  /** Export requests the collector received (each thread sends its own). */
  readonly exports: number;
  /** Request body bytes the collector received, all exports together. */
  readonly bytes: number;
  readonly bytesPerRequest: number;
}

export interface PayloadOptions {
  /** Sets `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`; left unset, the server's default applies. */
  readonly protocol?: OtlpProtocol;
  /** Traced streaming chat completions sent one after another. Default: 10. */
  readonly requests?: number;
  readonly maxTokens?: number;
}

// Long enough for each request's spans to leave in their own batch (the server's batch
// delay is set to 20 ms), so the figure is what one traced request costs on the wire.
const SETTLE_MS = 200;

/**
 * Starts the built demo server with an OTLP endpoint pointing at a local collector that
 * only counts, sends traced streaming chat completions one at a time, and returns the
 * OTLP bytes that arrived per request: both spans, their events and attributes, the
 * resource and the protocol's framing (HTTP headers not included).
 */
export async function measureOtlpPayload(
  options: PayloadOptions = {},
): Promise<PayloadMeasurement> {
  const requests = options.requests ?? 10;
  const collector = await startCountingCollector();
  try {
    const server = await startServerProcess({
      args: [
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--fast",
        "--otlp-traces-endpoint",
        collector.url,
      ],
      env: {
        OTEL_BSP_SCHEDULE_DELAY: "20",
        ...(options.protocol !== undefined
          ? { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: options.protocol }
          : {}),
      },
    });
    try {
      for (let i = 0; i < requests; i++) {
        const response = await fetch(`${server.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            model: "demo",
            messages: [{ role: "user", content: `Tell me about journey ${i}.` }],
            max_tokens: options.maxTokens ?? 16,
            stream: true,
          }),
        });
        await response.text();
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      }
      await collector.quiet(SETTLE_MS);
    } finally {
      await server.kill();
    }
    return {
      protocol: options.protocol,
      requests,
      contentTypes: [...collector.contentTypes],
      exports: collector.exports(),
      bytes: collector.bytes(),
      bytesPerRequest: Math.round(collector.bytes() / requests),
    };
  } finally {
    await collector.close();
  }
}

async function startCountingCollector() {
  let exports = 0;
  let bytes = 0;
  let lastExportAt = Date.now();
  const contentTypes = new Set<string>();
  const server: Server = createServer(async (request, response) => {
    for await (const chunk of request) bytes += (chunk as Buffer).length;
    exports++;
    lastExportAt = Date.now();
    const type = request.headers["content-type"] ?? "none";
    contentTypes.add(type);
    const json = type.includes("json");
    response.writeHead(200, {
      "content-type": json ? "application/json" : "application/x-protobuf",
    });
    response.end(json ? "{}" : undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    contentTypes,
    exports: () => exports,
    bytes: () => bytes,
    /** Resolves once no export has arrived for `ms` (at most 10 s). */
    async quiet(ms: number) {
      const deadline = Date.now() + 10_000;
      while (Date.now() - lastExportAt < ms && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, ms / 4));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
