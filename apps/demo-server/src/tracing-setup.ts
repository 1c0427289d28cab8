import { type ApiJourneyTracer, createApiTracer } from "@llm-journey/tracer-api";
import type { TracingErrorHandler } from "@llm-journey/tracer-core";
import { createJourneyTracerProvider } from "@llm-journey/tracer-core/sdk";
import type { TracerProvider } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ServerConfig, TracingMode } from "./config.js";
import type { Engine } from "./engine/index.js";
import type { JourneyStore } from "./journeys/journey-store.js";
import { StoreSpanProcessor } from "./journeys/store-span-processor.js";
import { importLegacyWiring } from "./legacy-wiring.js";

export interface HttpTracing {
  api: ApiJourneyTracer;
  /** The legacy span builder's side, in `legacy` and `dual` modes only. */
  buffered: BufferedStreamOutput | undefined;
  /** Flushes and stops export; call once at shutdown. */
  shutdown(): Promise<void>;
}

/**
 * The output side of the legacy path (`legacy` and `dual` modes): it wraps generation so
 * that each request's records, which the engine sends with its steps, become one span
 * built after the fact when the request ends.
 */
export interface BufferedStreamOutput {
  wrap(engine: Engine): Pick<Engine, "submit" | "abort">;
  /** Takes one `journey-records` message's records. */
  collect(records: unknown): void;
  /** Completes every open request as aborted. */
  shutdown(): void;
  readonly activeSpans: number;
  readonly trackedEntries: number;
  readonly bufferedRecords: number;
}

export type BufferedStreamOutputFactory = (options: {
  mode: Exclude<TracingMode, "spans">;
  tracerProvider: TracerProvider;
  trustClientContext: boolean;
  onError: TracingErrorHandler;
}) => BufferedStreamOutput;

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
      buffered: undefined,
      shutdown: async () => {},
    };
  }
  const ownProvider =
    tracerProvider === undefined ? buildProvider(config, store, hooks) : undefined;
  const provider = tracerProvider ?? (ownProvider as TracerProvider);
  const api = createApiTracer({
    // Legacy mode is the state before Phase 1: no API layer at all.
    enabled: tracing.mode !== "legacy",
    tracerProvider: provider,
    sampleRate: tracing.sampleRate,
    trustClientContext: tracing.trustClientContext,
    captureContent: tracing.captureContent,
    maxJourneyAgeMs: tracing.maxJourneyAgeMs,
    onError: hooks.onError,
  });
  let buffered: BufferedStreamOutput | undefined;
  if (tracing.mode !== "spans") {
    const { createBufferedStreamOutput } = await importLegacyWiring<{
      createBufferedStreamOutput: BufferedStreamOutputFactory;
    }>("legacy-output");
    buffered = createBufferedStreamOutput({
      mode: tracing.mode,
      tracerProvider: provider,
      trustClientContext: tracing.trustClientContext,
      onError: hooks.onError,
    });
  }
  return {
    api,
    buffered,
    shutdown: async () => {
      buffered?.shutdown();
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
