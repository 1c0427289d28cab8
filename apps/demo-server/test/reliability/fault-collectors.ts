import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** How a stand-in OTLP/HTTP collector treats the exports it gets. */
export type CollectorKind = "healthy" | "refused" | "blackhole" | "status-500" | "status-429";

export const COLLECTOR_KINDS: readonly CollectorKind[] = Object.freeze([
  "healthy",
  "refused",
  "blackhole",
  "status-500",
  "status-429",
]);

export interface Collector {
  readonly kind: CollectorKind;
  /** The traces URL to give the server. */
  readonly url: string;
  /** Export requests that reached the collector (retries included). */
  readonly exports: () => number;
  /** Spans in the exports a healthy collector accepted; 0 for the others. */
  readonly spansAccepted: () => number;
  close(): Promise<void>;
}

// `"spanId"` with its quotes matches a span's own id, not `"parentSpanId"`.
const SPAN_ID_KEY = /"spanId"/g;

/**
 * A collector on loopback that accepts (200 `{}`), refuses connections (a port that was
 * just closed), accepts and never answers, or answers 500 or 429. The healthy one counts
 * spans without decoding, so its own cost stays small beside the server's.
 */
export async function startCollector(kind: CollectorKind): Promise<Collector> {
  let exports = 0;
  let spansAccepted = 0;
  const server: Server = createServer((request, response) => {
    exports++;
    if (kind === "blackhole") {
      request.resume(); // read and drop the body; never answer
      return;
    }
    if (kind !== "healthy") {
      request.resume();
      const status = kind === "status-500" ? 500 : 429;
      // 429 with Retry-After 0: the exporter retries at once, the costliest answer for it.
      response.writeHead(status, kind === "status-429" ? { "retry-after": "0" } : {}).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      spansAccepted += Buffer.concat(chunks).toString("latin1").match(SPAN_ID_KEY)?.length ?? 0;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  if (kind === "refused") await new Promise((resolve) => server.close(resolve));
  return {
    kind,
    url: `http://127.0.0.1:${port}/v1/traces`,
    exports: () => exports,
    spansAccepted: () => spansAccepted,
    close: async () => {
      if (kind === "refused") return;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
