// What the compatibility apps share: the application's own SDK with an in-memory exporter,
// the fields of a finished span the tests compare, a local OTLP/HTTP collector, and one
// request through both layers.

import { once } from "node:events";
import { createServer } from "node:http";

const KIND_NAMES = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

/**
 * The SDK as each line's users build it: SDK 2's `BasicTracerProvider` takes the exporter
 * itself, SDK 3's `TracerProvider` (from `@opentelemetry/sdk-trace`) takes `{ exporter }`.
 * `load` is how the application loads it: `import()`, or a CommonJS app's `require`.
 */
export async function inMemorySdk(stack, load = (name) => import(name)) {
  if (stack === "sdk2") {
    const sdk = await load("@opentelemetry/sdk-trace-base");
    const exporter = new sdk.InMemorySpanExporter();
    const processor = new sdk.SimpleSpanProcessor(exporter);
    return { exporter, provider: new sdk.BasicTracerProvider({ spanProcessors: [processor] }) };
  }
  const sdk = await load("@opentelemetry/sdk-trace");
  const exporter = new sdk.InMemorySpanExporter();
  const processor = new sdk.SimpleSpanProcessor({ exporter });
  return { exporter, provider: new sdk.TracerProvider({ spanProcessors: [processor] }) };
}

/** The compared fields of an SDK ReadableSpan. */
export function describeSpan(span) {
  const { name, version } = span.instrumentationScope;
  return {
    name: span.name,
    kind: KIND_NAMES[span.kind],
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    scope: { name, version },
    statusCode: span.status.code,
    requestId: span.attributes["gen_ai.request.id"],
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes ?? {} })),
    links: span.links.map(({ context, attributes }) => ({ spanId: context.spanId, attributes })),
  };
}

/** The same fields from the OTLP/JSON export request bodies a collector received. */
export function describeOtlpJson(bodies) {
  const value = ({ value: v }) =>
    v.stringValue ?? v.boolValue ?? (v.intValue === undefined ? v.doubleValue : Number(v.intValue));
  const attributes = (list = []) => Object.fromEntries(list.map((a) => [a.key, value(a)]));
  return bodies.flatMap((body) =>
    JSON.parse(body.toString("utf8")).resourceSpans.flatMap(({ scopeSpans }) =>
      scopeSpans.flatMap(({ spans }) =>
        spans.map((span) => ({
          name: span.name,
          kind: KIND_NAMES[span.kind - 1],
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          statusCode: span.status?.code ?? 0,
          requestId: attributes(span.attributes)["gen_ai.request.id"],
          events: (span.events ?? []).map((event) => ({
            name: event.name,
            attributes: attributes(event.attributes),
          })),
        })),
      ),
    ),
  );
}

/** A collector that keeps every export request's content type and body. */
export async function startOtlpReceiver() {
  const posts = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    posts.push({ contentType: req.headers["content-type"], body: Buffer.concat(chunks) });
    const json = String(req.headers["content-type"]).includes("json");
    res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
    res.end(json ? "{}" : undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, url: `${origin}/v1/traces`, posts, server };
}

/** One request to its end, as an engine and a server call the layers; returns its handle. */
export function oneRequest(api, core, requestId) {
  const handle = api.startJourney({ requestId });
  const request = {
    requestId,
    traceHeaders: { ...handle.coreHeaders },
    promptTokens: 2,
    computedTokens: 0,
    outputTokens: 0,
    maxTokens: 1,
    preemptions: 0,
  };
  handle.handoffToCore();
  core.requestAdded(request, 0);
  core.requestScheduled(request, 1);
  request.computedTokens = 2;
  request.outputTokens = 1;
  core.requestProgressed(request, 1);
  handle.firstResponse();
  handle.setCoreLatencies(core.requestFinished(request, "length", 2));
  handle.departed();
  return handle;
}
