// A small LLM server written the way a user would, from the package READMEs: a toy engine
// whose scheduler calls the core tracer's hooks, and a node:http API that streams tokens
// through the API tracer. It runs inside a scratch project on that project's Node, sends
// one traced streaming request and one request the client abandons mid-stream, and prints
// what was exported as one JSON document on stdout. The compatibility test asserts on it.
//
// Usage: node journey-app.mjs <sdk2|sdk3> [--legacy]  (--legacy: legacy-buffer is installed)

import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import { createApiTracer, traceStream } from "@llm-journey/tracer-api";
import { createCoreTracer } from "@llm-journey/tracer-core";
import { createJourneyTracerProvider } from "@llm-journey/tracer-core/sdk";
import { createTestTracing } from "@llm-journey/tracer-core/testing";
import { trace } from "@opentelemetry/api";
import { startOtlpReceiver } from "./otlp-receiver.mjs";

const stack = process.argv[2];
const withLegacy = process.argv.includes("--legacy");
const STEP_MS = 5;
const PROMPT_TOKENS = 4;
// A caller that says "not sampled": the journey rate, not this flag, must decide.
const UNSAMPLED_CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

/** The application's own SDK, as it would register it: SDK 2 or SDK 3 style. */
async function registerOwnSdk() {
  if (stack === "sdk2") {
    const sdk = await import("@opentelemetry/sdk-trace-base");
    const exporter = new sdk.InMemorySpanExporter();
    const provider = new sdk.BasicTracerProvider({
      spanProcessors: [new sdk.SimpleSpanProcessor(exporter)],
    });
    trace.setGlobalTracerProvider(provider);
    return { provider, exporter };
  }
  const sdk = await import("@opentelemetry/sdk-trace");
  const exporter = new sdk.InMemorySpanExporter();
  const provider = new sdk.TracerProvider({
    spanProcessors: [new sdk.SimpleSpanProcessor({ exporter })],
  });
  trace.setGlobalTracerProvider(provider);
  return { provider, exporter };
}

/** A one-request-at-a-time engine: prefill in one step, then one token per step. */
function createEngine(core) {
  let step = 0;
  return {
    async *generate({ requestId, traceHeaders, maxTokens }) {
      const request = {
        requestId,
        traceHeaders,
        promptTokens: PROMPT_TOKENS,
        computedTokens: 0,
        outputTokens: 0,
        maxTokens,
        preemptions: 0,
      };
      let status = "aborted";
      core.requestAdded(request, step++);
      try {
        await new Promise((resolve) => setTimeout(resolve, STEP_MS));
        core.requestScheduled(request, step);
        while (request.outputTokens < maxTokens) {
          await new Promise((resolve) => setTimeout(resolve, STEP_MS));
          request.computedTokens = PROMPT_TOKENS + request.outputTokens;
          request.outputTokens++;
          core.requestProgressed(request, step++);
          yield `token${request.outputTokens} `;
        }
        status = "length";
      } finally {
        // Every way out: finished, abandoned by the consumer, or failed.
        core.requestFinished(request, status, step);
      }
    },
  };
}

function startServer(api, engine) {
  let next = 0;
  const server = createServer(async (req, res) => {
    const body = JSON.parse(await text(req));
    const handle = api.startJourney({ requestId: `req-${next++}`, headers: req.headers });
    handle.setRequestAttributes({ operation: "text_completion", model: "toy", stream: true });
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const tokens = engine.generate({
      requestId: `req-${next - 1}`,
      traceHeaders: handle.coreHeaders,
      maxTokens: body.max_tokens,
    });
    handle.handoffToCore();
    res.writeHead(200, { "content-type": "text/event-stream" });
    try {
      for await (const token of traceStream(handle, tokens, { signal: controller.signal })) {
        // The client is gone: stop generating (the engine's `finally` ends its journey).
        if (controller.signal.aborted) break;
        res.write(`data: ${JSON.stringify(token)}\n\n`);
      }
      res.end("data: [DONE]\n\n");
    } catch {
      res.destroy();
    }
  });
  server.listen(0, "127.0.0.1");
  return server;
}

async function text(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** POSTs a streaming completion; with `abandonAfterFirstChunk`, hangs up mid-stream. */
function complete(port, { maxTokens, traceparent, abandonAfterFirstChunk = false }) {
  return new Promise((resolve, reject) => {
    const headers = { "content-type": "application/json" };
    if (traceparent) headers.traceparent = traceparent;
    const req = httpRequest({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/v1/completions",
      headers,
    });
    req.on("error", (error) => (abandonAfterFirstChunk ? resolve("abandoned") : reject(error)));
    req.on("response", (res) => {
      let received = "";
      res.on("data", (chunk) => {
        received += chunk;
        if (abandonAfterFirstChunk) {
          req.destroy();
          resolve("abandoned");
        }
      });
      res.on("end", () => resolve(received));
      res.on("error", () => resolve("abandoned"));
    });
    req.end(JSON.stringify({ max_tokens: maxTokens, stream: true }));
  });
}

async function until(condition, what) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Both requests through one server whose tracers use `tracerProvider` (global if absent). */
async function runRequests(tracerProvider, { traceparent } = {}) {
  const options = tracerProvider ? { tracerProvider } : {};
  const core = createCoreTracer(options);
  const api = createApiTracer(options);
  const server = startServer(api, createEngine(core));
  await once(server, "listening");
  const { port } = server.address();
  const streamed = await complete(port, { maxTokens: 3, traceparent });
  await complete(port, { maxTokens: 50, abandonAfterFirstChunk: true });
  await until(
    () => api.activeSpans + core.activeSpans + api.trackedEntries + core.trackedEntries === 0,
    "both layers to close their journeys",
  );
  server.close();
  return { streamed, enabled: { api: api.enabled, core: core.enabled } };
}

const KIND_NAMES = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

/** The fields the test compares, from an SDK ReadableSpan. */
function fromReadableSpan(span) {
  return {
    name: span.name,
    kind: KIND_NAMES[span.kind],
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version },
    statusCode: span.status.code,
    requestId: span.attributes["gen_ai.request.id"],
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes ?? {} })),
  };
}

/** The same fields from an OTLP/JSON export request body. */
function fromOtlpJson(body) {
  const value = (attribute) => {
    const v = attribute.value;
    return (
      v.stringValue ??
      v.boolValue ??
      (v.intValue === undefined ? v.doubleValue : Number(v.intValue))
    );
  };
  const attributes = (list = []) => Object.fromEntries(list.map((a) => [a.key, value(a)]));
  return body.resourceSpans.flatMap((resourceSpans) =>
    resourceSpans.scopeSpans.flatMap((scopeSpans) =>
      scopeSpans.spans.map((span) => ({
        name: span.name,
        kind: KIND_NAMES[span.kind - 1],
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId || undefined,
        scope: { name: scopeSpans.scope.name, version: scopeSpans.scope.version },
        statusCode: span.status?.code ?? 0,
        requestId: attributes(span.attributes)["gen_ai.request.id"],
        resource: attributes(resourceSpans.resource.attributes),
        events: (span.events ?? []).map((event) => ({
          name: event.name,
          attributes: attributes(event.attributes),
        })),
      })),
    ),
  );
}

const report = { stack, node: process.version };

// 1. The application's own SDK, registered globally; the tracers find it there.
{
  const own = await registerOwnSdk();
  report.ownSdk = await runRequests(undefined);
  report.ownSdk.spans = own.exporter.getFinishedSpans().map(fromReadableSpan);
  await own.provider.shutdown();
  trace.disable();
}

// 2. The /sdk provider, exporting OTLP/HTTP JSON to a collector, with a caller whose
//    traceparent says "not sampled".
{
  const receiver = await startOtlpReceiver();
  const provider = createJourneyTracerProvider({ endpoint: receiver.url, protocol: "http/json" });
  report.sdkEntry = await runRequests(provider, { traceparent: UNSAMPLED_CALLER });
  await provider.shutdown();
  receiver.server.close();
  report.sdkEntry.contentTypes = receiver.posts.map((post) => post.contentType);
  report.sdkEntry.spans = receiver.posts.flatMap((post) =>
    fromOtlpJson(JSON.parse(post.body.toString("utf8"))),
  );
}

// 3. The /sdk provider with its default protocol.
{
  const receiver = await startOtlpReceiver();
  const provider = createJourneyTracerProvider({ endpoint: receiver.url });
  await runRequests(provider);
  await provider.shutdown();
  receiver.server.close();
  report.defaultProtocol = {
    contentTypes: receiver.posts.map((post) => post.contentType),
    bytes: receiver.posts.reduce((sum, post) => sum + post.body.length, 0),
  };
}

// 4. /testing, and the legacy layer's entry, on this stack's SDK.
{
  const testing = createTestTracing();
  const core = createCoreTracer({ tracerProvider: testing.provider });
  core.requestAdded(
    {
      requestId: "t",
      promptTokens: 1,
      computedTokens: 0,
      outputTokens: 0,
      maxTokens: 1,
      preemptions: 0,
    },
    0,
  );
  core.requestFinished("t", "stopped", 1);
  testing.assertEverySpanEndedOnce();
  // The migration shim, when the workspace still has it (Phase 3 drops it).
  let legacyTracing = "not installed";
  if (withLegacy) {
    const legacy = await import("@llm-journey/legacy-buffer");
    const builder = legacy.createLegacySpanBuilder({ tracerProvider: testing.provider });
    legacyTracing = builder !== legacy.NOOP_LEGACY_SPAN_BUILDER;
  }
  report.testing = { spans: testing.finishedSpans().map(fromReadableSpan), legacyTracing };
  await testing.shutdown();
}

process.stdout.write(`${JSON.stringify(report)}\n`);
