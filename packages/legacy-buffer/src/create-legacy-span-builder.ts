import { createRateLimitedErrorHandler, type TracingErrorHandler } from "@llm-journey/tracer-core";
import { isUnconfiguredGlobal, registeredTracer } from "@llm-journey/tracer-core/internal";
import { type Tracer, type TracerProvider, trace } from "@opentelemetry/api";
import { DeferredLegacySpanBuilder } from "./deferred-legacy-span-builder.js";
import { resolveEventBudget } from "./event-budget.js";
import { LEGACY_TRACER_SCOPE } from "./legacy-names.js";
import type { LegacySpanBuilder } from "./legacy-span-builder.js";
import { NOOP_LEGACY_SPAN_BUILDER } from "./noop-legacy-span-builder.js";
import { PACKAGE_VERSION } from "./package-version.js";
import { SpanLegacyBuilder } from "./span-legacy-builder.js";

/** How `createLegacySpanBuilder` builds the output side; every option has a default. */
export interface LegacySpanBuilderOptions {
  /** Build legacy spans. Default: true. */
  enabled?: boolean;
  /**
   * Where spans go. Default: the global provider. Created before an SDK is registered
   * there, the builder keeps nothing (and `enabled` is false) until one is, then builds
   * spans for the requests begun from that moment; the first request begun while there
   * is none is reported once to `onError`.
   */
  tracerProvider?: TracerProvider;
  /**
   * Events one legacy span may hold: the recorder's value. Records past it are dropped
   * and counted in `journey.dropped_events`; FINISHED is always kept. At least 2.
   * Default: 128.
   */
  maxEventsPerSpan?: number;
  /** Receives run-time failures. Default: a rate-limited `console.warn`. */
  onError?: TracingErrorHandler;
  /** The version reported with the `llm-journey.legacy` scope. Default: this package's version. */
  instrumentationVersion?: string;
}

/**
 * Builds the output side of the legacy path once. Invalid options throw here with a
 * message naming the option; anything that fails while acquiring the tracer is reported
 * once and yields the no-op, so the server always starts.
 */
export function createLegacySpanBuilder(options: LegacySpanBuilderOptions = {}): LegacySpanBuilder {
  const eventBudget = resolveEventBudget(options.maxEventsPerSpan);
  if (options.enabled === false) return NOOP_LEGACY_SPAN_BUILDER;
  const onError = options.onError ?? createRateLimitedErrorHandler();
  const version = options.instrumentationVersion ?? PACKAGE_VERSION;
  const build = (tracer: Tracer): LegacySpanBuilder =>
    new SpanLegacyBuilder(tracer, { eventBudget, onError });
  try {
    const provider = options.tracerProvider ?? trace.getTracerProvider();
    if (isUnconfiguredGlobal(provider, LEGACY_TRACER_SCOPE)) {
      return new DeferredLegacySpanBuilder(() => {
        try {
          const tracer = registeredTracer(provider, LEGACY_TRACER_SCOPE, version);
          return tracer === undefined ? undefined : build(tracer);
        } catch (error) {
          onError(error, "createLegacySpanBuilder");
          return NOOP_LEGACY_SPAN_BUILDER;
        }
      }, onError);
    }
    return build(provider.getTracer(LEGACY_TRACER_SCOPE, version));
  } catch (error) {
    onError(error, "createLegacySpanBuilder");
    return NOOP_LEGACY_SPAN_BUILDER;
  }
}
