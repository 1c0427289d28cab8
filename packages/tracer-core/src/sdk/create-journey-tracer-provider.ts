import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type BufferConfig,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { DEFAULT_MAX_EVENTS_PER_SPAN } from "../create-core-tracer.js";

export interface JourneyTracerProviderOptions {
  /**
   * OTLP/HTTP traces endpoint, for example `http://localhost:4318/v1/traces`. Default:
   * the exporter reads `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, then
   * `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/traces` appended), then localhost:4318.
   */
  endpoint?: string;
  /** Extra headers for the OTLP requests (for example an API key). */
  headers?: Record<string, string>;
  /** `service.name`. Default: `OTEL_SERVICE_NAME`, else `llm-journey`. */
  serviceName?: string;
  /** Use this exporter instead of OTLP/HTTP (batched all the same). */
  exporter?: SpanExporter;
  /** Extra processors, run beside the batching one. */
  spanProcessors?: SpanProcessor[];
  /** Batching: queue size, batch size, delay. The SDK's defaults otherwise. */
  batch?: BufferConfig;
  /**
   * Events per span; match the core tracer's `maxEventsPerSpan`. Default: 128.
   */
  maxEventsPerSpan?: number;
}

/**
 * A provider for applications that have no OpenTelemetry SDK of their own: batched
 * export over OTLP/HTTP. Call `shutdown()` on the result when the process stops, so
 * the last batch is flushed.
 */
export function createJourneyTracerProvider(
  options: JourneyTracerProviderOptions = {},
): BasicTracerProvider {
  const exporter =
    options.exporter ??
    new OTLPTraceExporter({
      ...(options.endpoint !== undefined ? { url: options.endpoint } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
    });
  const serviceName = options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? "llm-journey";
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanLimits: { eventCountLimit: options.maxEventsPerSpan ?? DEFAULT_MAX_EVENTS_PER_SPAN },
    spanProcessors: [
      new BatchSpanProcessor(exporter, options.batch),
      ...(options.spanProcessors ?? []),
    ],
  });
}
