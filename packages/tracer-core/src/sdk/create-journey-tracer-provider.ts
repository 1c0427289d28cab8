import type { Resource } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  type Sampler,
  TracerProvider as SdkTracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { DEFAULT_MAX_EVENTS_PER_SPAN } from "../create-core-tracer.js";
import { type BatchOptions, batchOptionsFromEnvironment } from "./batch-options.js";
import { CountingExporter } from "./counting-exporter.js";
import { createJourneySampler } from "./journey-sampler.js";
import { createOtlpTraceExporter, type OtlpHttpProtocol } from "./otlp-trace-exporter.js";
import { queueDropMeterProvider } from "./queue-drop-meter.js";
import { createServiceResource } from "./service-resource.js";

export interface JourneyTracerProviderOptions {
  /**
   * OTLP/HTTP traces endpoint, for example `http://localhost:4318/v1/traces`. Default:
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` with
   * `/v1/traces` appended, else localhost:4318.
   */
  endpoint?: string;
  /** Extra headers for the OTLP requests, beside `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`. */
  headers?: Record<string, string>;
  /**
   * `http/protobuf` or `http/json`. Default: `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else
   * `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`.
   */
  protocol?: OtlpHttpProtocol;
  /**
   * Use this exporter instead of OTLP/HTTP (batched all the same), or `"none"` to export
   * nothing: only `spanProcessors` see the spans.
   */
  exporter?: SpanExporter | "none";
  /**
   * Resource attributes of the process. `OTEL_RESOURCE_ATTRIBUTES` and
   * `OTEL_SERVICE_NAME` override them; `service.name` is `unknown_service:node` when
   * nothing names the service.
   */
  resource?: Resource;
  /** `service.name`, over the resource and the environment. */
  serviceName?: string;
  /**
   * The sampler for requests whose caller's decision is not followed. Default: AlwaysOn,
   * so that the journey sample rate alone decides what is traced.
   */
  sampler?: Sampler;
  /**
   * Let the sampled flag of an incoming `traceparent` decide (ParentBased around
   * `sampler`), for meshes where an upstream service already sampled. Default: false, a
   * caller can switch tracing neither on nor off.
   */
  followClientSampling?: boolean;
  /** Extra processors, run beside the batching one. */
  spanProcessors?: SpanProcessor[];
  /** Batching; each value defaults to its `OTEL_BSP_*` variable, then the SDK's default. */
  batch?: BatchOptions;
  /** Events per span; match the core tracer's `maxEventsPerSpan`. Default: 128. */
  maxEventsPerSpan?: number;
  /**
   * Every string attribute is cut to this many characters. Default: the SDK's, from
   * `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` or `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.
   */
  attributeValueLengthLimit?: number;
  /**
   * Told of every span that never reaches the collector: a batch the exporter failed to
   * deliver (collector down, refused, timed out), or a span the batching queue had no room
   * for (a collector slower than the spans arrive), which the SDK otherwise reports only
   * at debug level. For a dropped-spans metric. Never called on the request's path.
   */
  onSpansDropped?: (count: number) => void;
}

/**
 * A provider for applications that have no OpenTelemetry SDK of their own: batched OTLP
 * export configured the way OpenTelemetry's SDK is, and a sampler that leaves the
 * decision to the journey sample rate. It is built on `@opentelemetry/sdk-trace`, the
 * package of both SDK 2 (2.12 or later, beneath `sdk-trace-base`) and SDK 3. Register it
 * or hand it to the tracers, and call `shutdown()` when the process stops so the last
 * batch is sent. Throws at once for a contradictory or invalid configuration.
 */
export function createJourneyTracerProvider(
  options: JourneyTracerProviderOptions = {},
): SdkTracerProvider {
  if (options.exporter !== undefined) {
    const ignored = (["endpoint", "headers", "protocol"] as const).filter(
      (key) => options[key] !== undefined,
    );
    if (ignored.length > 0) {
      throw new Error(`${ignored.join(", ")} configure the OTLP exporter, which exporter replaces`);
    }
  }
  const exporter =
    options.exporter ??
    createOtlpTraceExporter({
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
      ...(options.protocol !== undefined ? { protocol: options.protocol } : {}),
    });
  const { onSpansDropped } = options;
  const batching =
    exporter === "none"
      ? []
      : [
          new BatchSpanProcessor({
            exporter:
              onSpansDropped === undefined
                ? exporter
                : new CountingExporter(exporter, onSpansDropped),
            ...batchOptionsFromEnvironment(options.batch),
            // Read by the SDK's processor, though its option type does not list it yet.
            ...(onSpansDropped === undefined
              ? {}
              : { selfObsMeterProvider: queueDropMeterProvider(onSpansDropped) }),
          }),
        ];
  return new SdkTracerProvider({
    resource: createServiceResource({
      ...(options.resource !== undefined ? { resource: options.resource } : {}),
      ...(options.serviceName !== undefined ? { serviceName: options.serviceName } : {}),
    }),
    sampler: createJourneySampler({
      ...(options.sampler !== undefined ? { sampler: options.sampler } : {}),
      followClientSampling: options.followClientSampling === true,
    }),
    spanLimits: {
      eventCountLimit: options.maxEventsPerSpan ?? DEFAULT_MAX_EVENTS_PER_SPAN,
      ...(options.attributeValueLengthLimit !== undefined
        ? { attributeValueLengthLimit: options.attributeValueLengthLimit }
        : {}),
    },
    spanProcessors: [...batching, ...(options.spanProcessors ?? [])],
  });
}
