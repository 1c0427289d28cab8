// A local OTLP/HTTP receiver that keeps nothing: it counts the export requests and the
// bytes of their bodies as they arrived on the wire, and answers each with an empty
// success in the request's own encoding.
import { createServer } from "node:http";

/** Starts a sink on 127.0.0.1; resolves with its traces URL, its counts and `close()`. */
export async function startOtlpSink() {
  const counts = { requests: 0, bytes: 0, contentTypes: new Set() };
  const server = createServer((req, res) => {
    const type = req.headers["content-type"] ?? "";
    counts.contentTypes.add(type);
    req.on("data", (chunk) => {
      counts.bytes += chunk.length;
    });
    req.on("end", () => {
      counts.requests++;
      const json = type.includes("json");
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
      res.end(json ? "{}" : undefined);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
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
