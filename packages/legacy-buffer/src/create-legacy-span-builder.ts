import { createRateLimitedErrorHandler, type TracingErrorHandler } from "@llm-journey/tracer-core";
import { acquireLayer } from "@llm-journey/tracer-core/internal";
import { type TracerProvider, trace } from "@opentelemetry/api";
import { DeferredLegacySpanBuilder } from "./deferred-legacy-span-builder.js";
import { resolveEventBudget } from "./event-budget.js";
import { LEGACY_SPAN_NAME, LEGACY_TRACER_SCOPE } from "./legacy-names.js";
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
  return acquireLayer<LegacySpanBuilder>({
    provider: options.tracerProvider ?? trace.getTracerProvider(),
    scope: LEGACY_TRACER_SCOPE,
    version: options.instrumentationVersion ?? PACKAGE_VERSION,
    operation: "createLegacySpanBuilder",
    onError,
    noop: NOOP_LEGACY_SPAN_BUILDER,
    build: (tracer) => new SpanLegacyBuilder(tracer, { eventBudget, onError }),
    deferred: DeferredLegacySpanBuilder,
    // The builder keeps what the recorder sampled: it has no rate of its own.
    sampleRate: 1,
    noSdk: { operation: "begin", scope: LEGACY_TRACER_SCOPE, spanName: LEGACY_SPAN_NAME },
  });
}
