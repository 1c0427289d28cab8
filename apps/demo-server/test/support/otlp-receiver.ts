import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One span as the OTLP/JSON export encodes it (the fields the tests read). */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  events?: Array<{
    name: string;
    attributes?: Array<{ key: string; value: Record<string, unknown> }>;
  }>;
  links?: Array<{ traceId: string; spanId: string }>;
  scope: string;
  serviceName: string | undefined;
}

/** A local OTLP/HTTP traces receiver on loopback that decodes every JSON export it gets. */
export async function startOtlpReceiver(): Promise<{
  url: string;
  spans: OtlpSpan[];
  close(): Promise<void>;
}> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = resourceSpans.resource?.attributes?.find(
          (a: { key: string }) => a.key === "service.name",
        )?.value?.stringValue;
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? [])
            spans.push({ ...span, scope: scopeSpans.scope?.name, serviceName: service });
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    } catch {
      response.writeHead(400).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function eventAttribute(span: OtlpSpan, eventName: string, key: string): unknown {
  const event = span.events?.find((e) => e.name === eventName);
  const value = event?.attributes?.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
}
