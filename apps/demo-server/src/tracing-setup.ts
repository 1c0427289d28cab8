import { type ApiJourneyTracer, createApiTracer } from "@llm-journey/tracer-api";
import { DEFAULT_MAX_EVENTS_PER_SPAN } from "@llm-journey/tracer-core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { ServerConfig } from "./config.js";
import { CountingExporter } from "./journeys/counting-exporter.js";
import type { JourneyStore } from "./journeys/journey-store.js";
import { StoreSpanProcessor } from "./journeys/store-span-processor.js";

export interface HttpTracing {
  api: ApiJourneyTracer;
  /** Flushes and stops export; call once at shutdown. */
  shutdown(): Promise<void>;
}

/**
 * The HTTP thread's tracing: `llm_request` spans go to the embedded journey store and,
 * with an OTLP endpoint, to the collector in batches. The engine thread has its own
 * provider for `llm_core` (the two threads share nothing but messages).
 */
export function setUpHttpTracing(
  config: ServerConfig,
  store: JourneyStore,
  hooks: {
    onError: (error: unknown, operation: string) => void;
    onSpansDropped: (count: number) => void;
  },
): HttpTracing {
  if (!config.tracing.enabled) {
    return { api: createApiTracer({ enabled: false }), shutdown: async () => {} };
  }
  const processors: SpanProcessor[] = [new StoreSpanProcessor(store)];
  if (config.tracing.otlpEndpoint !== undefined) {
    const exporter = new OTLPTraceExporter({ url: config.tracing.otlpEndpoint });
    processors.push(new BatchSpanProcessor(new CountingExporter(exporter, hooks.onSpansDropped)));
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.tracing.serviceName }),
    spanLimits: { eventCountLimit: DEFAULT_MAX_EVENTS_PER_SPAN },
    spanProcessors: processors,
  });
  const api = createApiTracer({
    tracerProvider: provider,
    sampleRate: config.tracing.sampleRate,
    trustClientContext: config.tracing.trustClientContext,
    captureContent: config.tracing.captureContent,
    onError: hooks.onError,
  });
  return { api, shutdown: () => provider.shutdown() };
}
