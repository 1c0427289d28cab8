// A small LLM server written the way a user would, from the package READMEs: a toy engine
// whose scheduler calls the core tracer's hooks, and a node:http API that streams tokens
// through the API tracer. It runs inside a scratch project on that project's Node, sends
// one traced streaming request and one request the client abandons mid-stream, and prints
// what was exported as one JSON document on stdout. The compatibility test asserts on it.
//
// Usage: node journey-app.mjs <sdk2|sdk3> [--legacy]  (--legacy: legacy-buffer is installed)

import { once } from "node:events";
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { createApiTracer, traceStream } from "@llm-journey/tracer-api";
import { createCoreTracer } from "@llm-journey/tracer-core";
import { createJourneyTracerProvider } from "@llm-journey/tracer-core/sdk";
import { trace } from "@opentelemetry/api";
import { describeOtlpJson, describeSpan, inMemorySdk, startOtlpReceiver } from "./shared.mjs";

const stack = process.argv[2];
const STEP_MS = 5;
const PROMPT_TOKENS = 4;
const NEW_REQUEST = {
  promptTokens: PROMPT_TOKENS,
  computedTokens: 0,
  outputTokens: 0,
  preemptions: 0,
};
// A caller that says "not sampled": the journey rate, not this flag, must decide.
const UNSAMPLED_CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

/** A one-request-at-a-time engine: prefill in one step, then one token per step. */
function createEngine(core) {
  let step = 0;
  return async function* generate(requestId, traceHeaders, maxTokens) {
    const request = { requestId, traceHeaders, maxTokens, ...NEW_REQUEST };
    let status = "aborted";
    core.requestAdded(request, step++);
    try {
      await sleep(STEP_MS);
      core.requestScheduled(request, step);
      while (request.outputTokens < maxTokens) {
        await sleep(STEP_MS);
        request.computedTokens = PROMPT_TOKENS + request.outputTokens++;
        core.requestProgressed(request, step++);
        yield `token${request.outputTokens} `;
      }
      status = "length";
    } finally {
      // Every way out: finished, abandoned by the consumer, or failed.
      core.requestFinished(request, status, step);
    }
  };
}

function startServer(api, generate) {
  let next = 0;
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const requestId = `req-${next++}`;
    const handle = api.startJourney({ requestId, headers: req.headers });
    handle.setRequestAttributes({ operation: "text_completion", model: "toy", stream: true });
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const tokens = generate(requestId, handle.coreHeaders, JSON.parse(body).max_tokens);
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
  return server.listen(0, "127.0.0.1");
}

/** POSTs a streaming completion; with `abandon`, hangs up after the first chunk. */
async function complete(port, maxTokens, { traceparent, abandon = false } = {}) {
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
    method: "POST",
    signal: controller.signal,
    headers: { "content-type": "application/json", ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify({ max_tokens: maxTokens, stream: true }),
  });
  if (!abandon) return response.text();
  await response.body?.getReader().read();
  controller.abort();
  return "abandoned";
}

/** Both requests through one server whose tracers use `tracerProvider` (global if absent). */
async function runRequests(tracerProvider, traceparent) {
  const options = tracerProvider ? { tracerProvider } : {};
  const core = createCoreTracer(options);
  const api = createApiTracer(options);
  const server = startServer(api, createEngine(core));
  await once(server, "listening");
  const { port } = server.address();
  const streamed = await complete(port, 3, { traceparent });
  await complete(port, 50, { abandon: true });
  const deadline = Date.now() + 10_000;
  while (api.activeSpans + core.activeSpans + api.trackedEntries + core.trackedEntries > 0) {
    if (Date.now() > deadline) throw new Error("both layers did not close their journeys");
    await sleep(10);
  }
  server.close();
  return { streamed };
}

const report = { stack, node: process.version };

// 1. The application's own SDK, registered globally; the tracers find it there. On it too,
//    the migration shim, when the workspace still has it (Phase 3 drops it).
{
  const own = await inMemorySdk(stack);
  trace.setGlobalTracerProvider(own.provider);
  report.ownSdk = await runRequests(undefined);
  report.ownSdk.spans = own.exporter.getFinishedSpans().map(describeSpan);
  if (process.argv.includes("--legacy")) {
    const legacy = await import("@llm-journey/legacy-buffer");
    const builder = legacy.createLegacySpanBuilder({ tracerProvider: own.provider });
    report.legacyTracing = builder !== legacy.NOOP_LEGACY_SPAN_BUILDER;
  }
  await own.provider.shutdown();
  trace.disable();
}

// 2. The /sdk provider, exporting OTLP/HTTP (JSON, then its default protocol) to a
//    collector; the first time with a caller whose traceparent says "not sampled".
for (const protocol of ["http/json", undefined]) {
  const receiver = await startOtlpReceiver();
  const provider = createJourneyTracerProvider({ endpoint: receiver.url, protocol });
  const run = await runRequests(provider, protocol && UNSAMPLED_CALLER);
  await provider.shutdown();
  receiver.server.close();
  const contentTypes = receiver.posts.map((post) => post.contentType);
  const bodies = receiver.posts.map((post) => post.body);
  if (protocol) report.sdkEntry = { ...run, contentTypes, spans: describeOtlpJson(bodies) };
  else report.defaultProtocol = { contentTypes, bytes: Buffer.concat(bodies).length };
}

process.stdout.write(`${JSON.stringify(report)}\n`);
