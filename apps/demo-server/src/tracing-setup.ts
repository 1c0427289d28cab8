import { type ApiJourneyTracer, createApiTracer } from "@llm-journey/tracer-api";
import type { TracingErrorHandler } from "@llm-journey/tracer-core";
import { createJourneyTracerProvider } from "@llm-journey/tracer-core/sdk";
import type { TracerProvider } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ServerConfig } from "./config.js";
import type { Engine } from "./engine/index.js";
import type { JourneyStore } from "./journeys/journey-store.js";
import { StoreSpanProcessor } from "./journeys/store-span-processor.js";
import { tracingModePlan } from "./tracing-modes.js";

export interface HttpTracing {
  api: ApiJourneyTracer;
  /** The HTTP side of the tracing mode's second journey stream, if it has one. */
  stream: JourneyStreamOutput | undefined;
  /** Flushes and stops export; call once at shutdown. */
  shutdown(): Promise<void>;
}

/**
 * The HTTP side of a tracing mode's second journey stream (see `tracing-modes.ts`): it
 * wraps generation so that each request's records, which the engine sends with its
 * steps, become one span built after the fact when the request ends.
 */
export interface JourneyStreamOutput {
  /** The layer its gauges are labelled with in `/metrics`. */
  readonly layer: string;
  wrap(engine: Engine): Pick<Engine, "submit" | "abort">;
  /** Takes one `journey-records` message's records. */
  collect(records: unknown): void;
  /** Completes every open request as aborted. */
  shutdown(): void;
  readonly activeSpans: number;
  readonly trackedEntries: number;
  readonly pendingRecords: number;
}

/** What a stream's HTTP-side module exports as `createJourneyStreamOutput`. */
export type JourneyStreamOutputFactory = (context: {
  /** The plug-in's options, the same as the engine side's. */
  options: unknown;
  tracerProvider: TracerProvider;
  trustClientContext: boolean;
  onError: TracingErrorHandler;
}) => JourneyStreamOutput;

/**
 * The HTTP thread's tracing: `llm_request` spans go to the embedded journey store and,
 * with an OTLP endpoint, to the collector in batches. The engine thread has its own
 * provider for `llm_core` (the two threads share nothing but messages).
 */
export async function setUpHttpTracing(
  config: ServerConfig,
  store: JourneyStore,
  hooks: {
    onError: TracingErrorHandler;
    onSpansDropped: (count: number) => void;
  },
  /** Replaces the provider built here (journey store and OTLP), to test a failing tracer. */
  tracerProvider?: TracerProvider,
): Promise<HttpTracing> {
  const { tracing } = config;
  if (!tracing.enabled) {
    return {
      api: createApiTracer({ enabled: false }),
      stream: undefined,
      shutdown: async () => {},
    };
  }
  const plan = await tracingModePlan(tracing);
  const ownProvider =
    tracerProvider === undefined ? buildProvider(config, store, hooks) : undefined;
  const provider = tracerProvider ?? (ownProvider as TracerProvider);
  const api = createApiTracer({
    enabled: plan.journeySpans,
    tracerProvider: provider,
    sampleRate: tracing.sampleRate,
    trustClientContext: tracing.trustClientContext,
    captureContent: tracing.captureContent,
    maxJourneyAgeMs: tracing.maxJourneyAgeMs,
    onError: hooks.onError,
  });
  const stream = plan.stream?.output({
    options: plan.stream.engine.options,
    tracerProvider: provider,
    trustClientContext: tracing.trustClientContext,
    onError: hooks.onError,
  });
  return {
    api,
    stream,
    shutdown: async () => {
      stream?.shutdown();
      await ownProvider?.shutdown();
    },
  };
}

function buildProvider(
  config: ServerConfig,
  store: JourneyStore,
  hooks: { onSpansDropped: (count: number) => void },
) {
  const { otlpEndpoint, serviceName, followClientSampling, attributeValueLengthLimit } =
    config.tracing;
  return createJourneyTracerProvider({
    ...(otlpEndpoint !== undefined ? { endpoint: otlpEndpoint } : { exporter: "none" }),
    // The demo's name, under what OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME say.
    resource: resourceFromAttributes({ "service.name": serviceName }),
    // The journey rate decides; the client's sampled flag only with --follow-client-sampling.
    followClientSampling,
    attributeValueLengthLimit,
    spanProcessors: [new StoreSpanProcessor(store)],
    onSpansDropped: hooks.onSpansDropped,
  });
}
