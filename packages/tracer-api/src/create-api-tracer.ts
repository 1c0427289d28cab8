import { createRateLimitedErrorHandler, type TracingErrorHandler } from "@llm-journey/tracer-core";
import {
  acquireLayer,
  assertSampleRate,
  resolveMaxJourneyAge,
} from "@llm-journey/tracer-core/internal";
import { type TracerProvider, trace } from "@opentelemetry/api";
import { API_SPAN_NAME, API_TRACER_SCOPE } from "./api-attributes.js";
import type { ApiJourneyTracer } from "./api-tracer.js";
import { DeferredApiTracer } from "./deferred-api-tracer.js";
import { NOOP_API_TRACER } from "./noop-api-tracer.js";
import { PACKAGE_VERSION } from "./package-version.js";
import { SpanApiTracer } from "./span-api-tracer.js";

/** How `createApiTracer` builds the API tracer; every option has a default. */
export interface ApiTracerOptions {
  /** Turn journey tracing on or off. Default: true. */
  enabled?: boolean;
  /**
   * Where spans go. Default: the global provider. Created before an SDK is registered
   * there, the tracer traces nothing (and `enabled` is false) until one is, then traces
   * the requests that start from that moment; the first journey started while there is
   * none is reported once to `onError`.
   */
  tracerProvider?: TracerProvider;
  /** Share of requests traced, in [0, 1]; changeable later through `sampleRate`. Default: 1. */
  sampleRate?: number;
  /**
   * Make `llm_request` a child of the client's `traceparent`. Turn it off for untrusted
   * clients: their requests then start a new trace. Default: true.
   */
  trustClientContext?: boolean;
  /**
   * Record prompt and completion content (`gen_ai.input.messages`,
   * `gen_ai.output.messages`) given to `handle.setContent`. It may contain personal
   * data: off unless the operator opts in. Default: false.
   */
  captureContent?: boolean;
  /**
   * The watchdog: a journey still open this many milliseconds after `startJourney` is
   * closed with `api.ABORTED` reason `watchdog` and reported to `onError`. It keeps the
   * cleanup guarantee when an integration drops a handle without closing it. One sweep
   * per tracer, at most every second, running only while journeys are open. Set it
   * above your request timeout. 0 or absent: off.
   */
  maxJourneyAgeMs?: number;
  /**
   * Receives tracing failures, and, once, a journey started while no SDK is registered
   * for the global provider. Default: a rate-limited `console.warn`.
   */
  onError?: TracingErrorHandler;
  /** The version reported with the `llm-journey.api` scope. Default: this package's version. */
  instrumentationVersion?: string;
}

/**
 * Builds the API tracer once. Invalid options throw here with a message naming the
 * option; a failure acquiring the tracer is reported and yields the no-op.
 */
export function createApiTracer(options: ApiTracerOptions = {}): ApiJourneyTracer {
  const sampleRate = options.sampleRate ?? 1;
  assertSampleRate(sampleRate, "sampleRate");
  if (options.trustClientContext !== undefined && typeof options.trustClientContext !== "boolean") {
    throw new TypeError(
      `trustClientContext must be a boolean, got ${String(options.trustClientContext)}`,
    );
  }
  const maxJourneyAgeMs = resolveMaxJourneyAge(options.maxJourneyAgeMs, "maxJourneyAgeMs");
  if (options.enabled === false) return NOOP_API_TRACER;
  const onError = options.onError ?? createRateLimitedErrorHandler();
  return acquireLayer<ApiJourneyTracer>({
    provider: options.tracerProvider ?? trace.getTracerProvider(),
    scope: API_TRACER_SCOPE,
    version: options.instrumentationVersion ?? PACKAGE_VERSION,
    operation: "createApiTracer",
    onError,
    noop: NOOP_API_TRACER,
    build: (tracer, rateSet) =>
      new SpanApiTracer(tracer, {
        sampleRate: rateSet ?? sampleRate,
        trustClientContext: options.trustClientContext ?? true,
        captureContent: options.captureContent === true,
        onError,
        maxJourneyAgeMs,
      }),
    deferred: DeferredApiTracer,
    sampleRate,
    noSdk: { operation: "startJourney", scope: API_TRACER_SCOPE, spanName: API_SPAN_NAME },
  });
}
