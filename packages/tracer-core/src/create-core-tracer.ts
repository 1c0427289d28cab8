import { type TracerProvider, trace } from "@opentelemetry/api";
import { acquireLayer } from "./acquire-layer.js";
import type { CoreJourneyTracer } from "./core-tracer.js";
import { DeferredCoreTracer } from "./deferred-core-tracer.js";
import { CORE_SPAN_NAME, CORE_TRACER_SCOPE } from "./journey-types.js";
import { resolveMaxJourneyAge } from "./journey-watchdog.js";
import { NOOP_CORE_TRACER } from "./noop-core-tracer.js";
import { PACKAGE_VERSION } from "./package-version.js";
import { assertSampleRate } from "./sample-rate.js";
import { SpanCoreTracer } from "./span-core-tracer.js";
import { resolveStepTracing, type StepTracingOptions } from "./step-tracing-options.js";
import {
  createRateLimitedErrorHandler,
  type TracingErrorHandler,
} from "./tracing-error-reporter.js";

/** The OpenTelemetry SDK's default per-span event limit. */
export const DEFAULT_MAX_EVENTS_PER_SPAN = 128;

/** How `createCoreTracer` builds the core tracer; every option has a default. */
export interface CoreTracerOptions {
  /** Turn journey tracing on or off. Default: true. */
  enabled?: boolean;
  /**
   * Where spans go. Default: the global provider. Created before an SDK is registered
   * there, the tracer records nothing (and `enabled` is false) until one is, then starts
   * tracing the requests added from that moment; the first request added while there is
   * none is reported once to `onError`.
   */
  tracerProvider?: TracerProvider;
  /**
   * Share of requests traced when the request carries no `x-llm-journey-sampled`
   * header (the core used without the API layer). In [0, 1]; changeable later through
   * the tracer's `sampleRate`. Default: 1. Left unset, a request without the header is
   * reported once to `onError`: with the API layer, every request carries it.
   */
  sampleRate?: number;
  /**
   * Events one `llm_core` span may hold. Set it to your SDK's `eventCountLimit` (128 by
   * default). Past it, middle events are dropped and counted; the start of the journey
   * and `journey.FINISHED` are always kept. At least 2. Default: 128.
   */
  maxEventsPerSpan?: number;
  /**
   * The watchdog: a journey still open this many milliseconds after `requestAdded` is
   * closed as if `requestFinished(id, "aborted")` had been called, with
   * `journey.closed_by = watchdog`, and reported to `onError`. It keeps the cleanup
   * guarantee when an integration forgets a `requestFinished`. One sweep per tracer,
   * at most every second, running only while journeys are open. 0 or absent: off.
   */
  maxJourneyAgeMs?: number;
  /**
   * Scheduler step spans (`llm_step`): `false` switches them off. Default: every step
   * with a preemption and 1% of the others, up to 128 links each.
   */
  steps?: StepTracingOptions | false;
  /**
   * Receives tracing failures, each kind of hook misuse once (a `HookMisuseError`), and,
   * once, a request added while no SDK is registered for the global provider.
   * Default: a rate-limited `console.warn`.
   */
  onError?: TracingErrorHandler;
  /** The version reported with the tracer scope. Default: this package's version. */
  instrumentationVersion?: string;
}

/**
 * Builds the core tracer once. Invalid options throw here, with a message naming the
 * option; anything that fails while acquiring the tracer is reported once and yields
 * the no-op, so the engine always starts.
 */
export function createCoreTracer(options: CoreTracerOptions = {}): CoreJourneyTracer {
  const sampleRate = options.sampleRate ?? 1;
  assertSampleRate(sampleRate, "sampleRate");
  const maxEvents = options.maxEventsPerSpan ?? DEFAULT_MAX_EVENTS_PER_SPAN;
  if (!Number.isInteger(maxEvents) || maxEvents < 2) {
    throw new RangeError(`maxEventsPerSpan must be an integer >= 2, got ${String(maxEvents)}`);
  }
  const maxJourneyAgeMs = resolveMaxJourneyAge(options.maxJourneyAgeMs, "maxJourneyAgeMs");
  const steps = resolveStepTracing(options.steps);
  if (options.enabled === false) return NOOP_CORE_TRACER;
  const onError = options.onError ?? createRateLimitedErrorHandler();
  return acquireLayer<CoreJourneyTracer>({
    provider: options.tracerProvider ?? trace.getTracerProvider(),
    scope: CORE_TRACER_SCOPE,
    version: options.instrumentationVersion ?? PACKAGE_VERSION,
    operation: "createCoreTracer",
    onError,
    noop: NOOP_CORE_TRACER,
    build: (tracer, rateSet) =>
      new SpanCoreTracer(tracer, {
        sampleRate: rateSet ?? sampleRate,
        sampleRateIsDefault: rateSet === undefined && options.sampleRate === undefined,
        eventBudget: maxEvents,
        onError,
        maxJourneyAgeMs,
        steps,
      }),
    deferred: DeferredCoreTracer,
    sampleRate,
    noSdk: { operation: "requestAdded", scope: CORE_TRACER_SCOPE, spanName: CORE_SPAN_NAME },
  });
}
