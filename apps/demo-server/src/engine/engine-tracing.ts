import {
  type CoreJourneyTracer,
  createCoreTracer,
  createRateLimitedErrorHandler,
  DEFAULT_MAX_EVENTS_PER_SPAN,
  type TracingErrorHandler,
} from "@llm-journey/tracer-core";
import { createJourneyTracerProvider } from "@llm-journey/tracer-core/sdk";
import type { TracerProvider } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ForwardedSpan } from "./engine-contract.js";
import type { EngineTracingOptions } from "./engine-options.js";
import { SpanForwarder } from "./span-forwarder.js";

/**
 * The tracing of an engine thread, whichever engine runs there: its own tracer provider
 * (OTLP when an endpoint is set) whose ended spans go to the HTTP thread in batches, and
 * the core tracer built on it. Tracing off means no provider at all: the core tracer is
 * the shared no-op.
 */
export class EngineTracing {
  readonly onError: TracingErrorHandler = createRateLimitedErrorHandler();
  readonly core: CoreJourneyTracer;
  private readonly provider: ReturnType<typeof createJourneyTracerProvider> | undefined;
  private readonly forwarder: SpanForwarder | undefined;
  private dropped = 0;

  /**
   * `send` posts a batch of ended spans to the HTTP thread. A `tracerProvider` replaces the
   * engine's own (to test with a failing tracer); its spans are not forwarded.
   */
  constructor(
    options: EngineTracingOptions,
    send: (spans: ForwardedSpan[]) => void,
    tracerProvider?: TracerProvider,
  ) {
    if (options.enabled && tracerProvider === undefined) {
      this.forwarder = new SpanForwarder({ send, onError: this.onError });
      const { otlpEndpoint, serviceName, attributeValueLengthLimit } = options;
      this.provider = createJourneyTracerProvider({
        ...(otlpEndpoint !== undefined ? { endpoint: otlpEndpoint } : { exporter: "none" }),
        // The demo's name, under what OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME say.
        resource: resourceFromAttributes({ "service.name": serviceName }),
        // The default sampler records every span it is asked for, whatever the environment's
        // OTEL_TRACES_SAMPLER says: the API layer's x-llm-journey-sampled decides here.
        ...(attributeValueLengthLimit !== undefined ? { attributeValueLengthLimit } : {}),
        spanProcessors: [this.forwarder],
        onSpansDropped: (count) => {
          this.dropped += count;
          this.onError(new Error(`spans not exported: ${count}`), "OTLP export");
        },
      });
    }
    this.core = createCoreTracer({
      enabled: options.enabled,
      tracerProvider: tracerProvider ?? this.provider,
      sampleRate: options.sampleRate,
      maxEventsPerSpan: DEFAULT_MAX_EVENTS_PER_SPAN,
      maxJourneyAgeMs: options.maxJourneyAgeMs,
      steps: {
        sampleRate: options.stepSampleRate,
        ...(options.stepSlowMs !== undefined ? { slowMs: options.stepSlowMs } : {}),
        maxPerSecond: options.stepMaxPerSecond,
      },
      onError: this.onError,
    });
  }

  /** Core spans the OTLP exporter failed to deliver so far. */
  get spansDropped(): number {
    return this.dropped;
  }

  /** Sends the spans ended since the last batch, now. */
  flush(): void {
    this.forwarder?.flush();
  }

  /** Sends the last spans and shuts the provider down, flushing OTLP. */
  async shutdown(): Promise<void> {
    this.forwarder?.flush();
    await this.provider?.shutdown();
  }
}
