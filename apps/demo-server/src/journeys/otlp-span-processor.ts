import { createOtlpTraceExporter } from "@llm-journey/tracer-core/sdk";
import type { MeterProvider } from "@opentelemetry/api";
import {
  BatchSpanProcessor,
  type BufferConfig,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { CountingExporter } from "./counting-exporter.js";
import { queueDropMeterProvider } from "./queue-drop-meter.js";

/**
 * Batches spans to an OTLP/HTTP collector and reports every span that never reaches it,
 * whether the export failed or the processor's queue was full (a collector that answers
 * too slowly), for `llm_journey_spans_dropped_total`. The exporter is tracer-core's:
 * protobuf unless `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL` says `http/json`, with the
 * `OTEL_EXPORTER_OTLP_*` headers, timeout and compression; the queue and batch sizes
 * follow the standard `OTEL_BSP_*` environment variables.
 */
export function createOtlpSpanProcessor(
  url: string,
  onDropped: (count: number) => void,
): SpanProcessor {
  // The SDK's type for this argument does not list its experimental self-observability
  // option yet, though the processor reads it.
  const config: BufferConfig & { selfObsMeterProvider: MeterProvider } = {
    selfObsMeterProvider: queueDropMeterProvider(onDropped),
  };
  return new BatchSpanProcessor(
    new CountingExporter(createOtlpTraceExporter({ endpoint: url }), onDropped),
    config,
  );
}
