// The peer: what a user would install instead of llm-journey. Preloaded into the demo
// server (`node --import <this file> main.js --no-journey-tracing`), it registers the
// stock OpenTelemetry HTTP auto-instrumentation (one SERVER span per request) on the same
// SDK and exporter versions llm-journey uses, batched to OTLP/HTTP with the exporter's
// default protocol, http/protobuf. The endpoint comes from LLM_JOURNEY_BENCH_PEER_OTLP_URL.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the bench for its child only.
const url = process.env.LLM_JOURNEY_BENCH_PEER_OTLP_URL;
if (!url) throw new Error("LLM_JOURNEY_BENCH_PEER_OTLP_URL is not set");

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ "service.name": "llm-journey-bench-peer" }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });

// The demo server stops on SIGTERM and lets its event loop run empty: flush the last
// batch then, as a user's shutdown hook would, so every span is counted at the sink.
process.once("beforeExit", () => {
  void provider.shutdown();
});
