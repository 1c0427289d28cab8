import {
  type CoreRequestView,
  createRateLimitedErrorHandler,
  type TracingErrorHandler,
} from "@llm-journey/tracer-core";
import { acquireLayer, assertSampleRate } from "@llm-journey/tracer-core/internal";
import type { TracerProvider } from "@opentelemetry/api";
import { BufferingJourneyRecorder } from "./buffering-journey-recorder.js";
import { DeferredLegacyRecorder } from "./deferred-legacy-recorder.js";
import { resolveEventBudget } from "./event-budget.js";
import type { LegacyClientId, LegacyJourneyRecorder } from "./journey-recorder.js";
import { LEGACY_TRACER_SCOPE } from "./legacy-names.js";
import { NOOP_LEGACY_RECORDER } from "./noop-journey-recorder.js";

/** The client every request belongs to when `clientOf` is not given. */
export const DEFAULT_LEGACY_CLIENT: LegacyClientId = 0;

/** How `createLegacyJourneyRecorder` builds the scheduler side; every option has a default. */
export interface LegacyRecorderOptions {
  /**
   * Buffer journey records. Set it to whether the output side has a tracer to build
   * legacy spans with: with `false` the shared no-op is used. Default: true.
   */
  enabled?: boolean;
  /**
   * The provider the output side builds legacy spans with, when the scheduler runs in the
   * same process and can see it: given the global provider before an SDK is registered
   * there, the recorder is the no-op (and `enabled` is false) until one is, then records
   * the requests added from that moment. Not given: only `enabled` decides, because the
   * scheduler may run in a worker whose own global provider says nothing about the
   * output side.
   */
  tracerProvider?: TracerProvider;
  /**
   * Share of requests recorded when the request carries no `x-llm-journey-sampled`
   * header (the engine used without the API layer). In [0, 1]. Default: 1.
   */
  sampleRate?: number;
  /**
   * Events one legacy span may hold; use the core tracer's value so both streams keep the
   * same events of a long journey. At least 2. Default: 128.
   */
  maxEventsPerSpan?: number;
  /**
   * The API-side consumer a request's outputs go to, read once when the request is added.
   * Default: every request belongs to client `0`.
   */
  clientOf?: (request: CoreRequestView) => LegacyClientId;
  /** Receives run-time failures. Default: a rate-limited `console.warn`. */
  onError?: TracingErrorHandler;
}

/**
 * Builds the scheduler side of the legacy path once. Invalid options throw here with a
 * message naming the option; when it is off the shared no-op is returned, so a disabled
 * recorder costs an empty function call per hook and nothing per request.
 */
export function createLegacyJourneyRecorder(
  options: LegacyRecorderOptions = {},
): LegacyJourneyRecorder {
  const sampleRate = options.sampleRate ?? 1;
  assertSampleRate(sampleRate, "sampleRate");
  const eventBudget = resolveEventBudget(options.maxEventsPerSpan);
  if (options.clientOf !== undefined && typeof options.clientOf !== "function") {
    throw new TypeError("clientOf must be a function");
  }
  if (options.enabled === false) return NOOP_LEGACY_RECORDER;
  const onError = options.onError ?? createRateLimitedErrorHandler();
  const clientOf = options.clientOf ?? (() => DEFAULT_LEGACY_CLIENT);
  const build = (rateSet: number | undefined): LegacyJourneyRecorder =>
    new BufferingJourneyRecorder({
      sampleRate: rateSet ?? sampleRate,
      eventBudget,
      clientOf,
      onError,
    });
  // Without a provider only `enabled` decides: the scheduler may run in a worker whose own
  // global provider says nothing about the output side.
  if (options.tracerProvider === undefined) return build(undefined);
  return acquireLayer<LegacyJourneyRecorder>({
    provider: options.tracerProvider,
    scope: LEGACY_TRACER_SCOPE,
    operation: "createLegacyJourneyRecorder",
    onError,
    noop: NOOP_LEGACY_RECORDER,
    // The recorder only needs to know the SDK is there: the output side builds the spans.
    build: (_tracer, rateSet) => build(rateSet),
    deferred: DeferredLegacyRecorder,
    sampleRate,
  });
}
