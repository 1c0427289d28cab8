// A local OTLP/HTTP receiver that keeps nothing: it counts the export requests, the bytes
// of their bodies as they arrived on the wire and, in JSON, the spans, and answers each
// with an empty success in the request's own encoding. Or it is one of the broken
// collectors an exporter must survive.
import { once } from "node:events";
import { createServer } from "node:http";

/**
 * How a sink treats exports: `healthy` accepts them; the others refuse connections (a
 * port that was just closed), accept and never answer, or answer 500 or 429.
 */
export const SINK_KINDS = Object.freeze([
  "healthy",
  "refused",
  "blackhole",
  "status-500",
  "status-429",
]);

// `"spanId"` with its quotes matches a span's own id, not `"parentSpanId"`.
const SPAN_ID_KEY = /"spanId"/g;

/**
 * Starts a sink of `kind` (default `healthy`) on 127.0.0.1; resolves with its traces URL,
 * its counts (export requests, bytes, content types, spans accepted in JSON), `quiet(ms)`
 * and `close()`. Spans are counted without decoding, so the sink's own cost stays small.
 */
export async function startOtlpSink({ kind = "healthy" } = {}) {
  const counts = { requests: 0, bytes: 0, contentTypes: new Set(), spansAccepted: 0 };
  let lastExportAt = Date.now();
  const server = createServer((req, res) => {
    const type = req.headers["content-type"] ?? "";
    counts.contentTypes.add(type);
    const json = type.includes("json");
    const chunks = [];
    req.on("data", (chunk) => {
      counts.bytes += chunk.length;
      if (json && kind === "healthy") chunks.push(chunk);
    });
    req.on("end", () => {
      counts.requests++;
      lastExportAt = Date.now();
      if (kind === "blackhole") return; // read and dropped, never answered
      if (kind !== "healthy") {
        // 429 with Retry-After 0: the exporter retries at once, the costliest answer for it.
        res.writeHead(
          kind === "status-500" ? 500 : 429,
          kind === "status-429" ? { "retry-after": "0" } : {},
        );
        res.end();
        return;
      }
      counts.spansAccepted +=
        Buffer.concat(chunks).toString("latin1").match(SPAN_ID_KEY)?.length ?? 0;
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
      res.end(json ? "{}" : undefined);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  if (kind === "refused") await new Promise((resolve) => server.close(resolve));
  return {
    kind,
    url: `http://127.0.0.1:${port}/v1/traces`,
    counts,
    /** Resolves once no export has arrived for `ms` (at most 10 s). */
    async quiet(ms) {
      const deadline = Date.now() + 10_000;
      while (Date.now() - lastExportAt < ms && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, ms / 4));
      }
    },
    close: async () => {
      if (kind === "refused") return;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The protocol a sink saw, named as OTEL_EXPORTER_OTLP_PROTOCOL names it. */
export function protocolOf(counts) {
  const types = [...counts.contentTypes];
  if (types.length === 0) return null;
  return types
    .map((type) =>
      type.includes("json")
        ? "http/json"
        : type.includes("protobuf")
          ? "http/protobuf"
          : type || "unknown",
    )
    .join(", ");
}
