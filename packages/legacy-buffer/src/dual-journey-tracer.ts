import {
  type CoreJourneyTracer,
  type CoreLatencies,
  type CoreRequestView,
  type CoreStepView,
  createRateLimitedErrorHandler,
  type FinishStatus,
  NOOP_CORE_TRACER,
  type OpenCoreJourney,
  type TracingErrorHandler,
} from "@llm-journey/tracer-core";
import type { LegacyJourneyRecorder } from "./journey-recorder.js";
import { NOOP_LEGACY_RECORDER } from "./noop-journey-recorder.js";

/**
 * The scheduler hooks for dual mode: each call goes to the core tracer first, then to the
 * legacy recorder, so one scheduler feeds both streams. When either side is its shared
 * no-op the other is returned as is, so a disabled side costs nothing. A side that is
 * only waiting for the SDK (`enabled` false until one is registered) is kept: it starts
 * once the SDK does. Live counts are the sum of both; read each side's own for per-layer
 * gauges.
 */
export function dualJourneyTracer(
  core: CoreJourneyTracer,
  legacy: LegacyJourneyRecorder,
  options: { onError?: TracingErrorHandler } = {},
): CoreJourneyTracer {
  if (legacy === NOOP_LEGACY_RECORDER) return core;
  if (core === NOOP_CORE_TRACER) return legacy;
  return new DualJourneyTracer(core, legacy, options.onError ?? createRateLimitedErrorHandler());
}

/**
 * Each hook is called on both sides, each in its own try: the hooks promise not to throw,
 * but a custom tracer that does must not starve its twin. Written out, not looped over,
 * because these run for every request on every step.
 */
class DualJourneyTracer implements CoreJourneyTracer {
  constructor(
    private readonly core: CoreJourneyTracer,
    private readonly legacy: LegacyJourneyRecorder,
    private readonly onError: TracingErrorHandler,
  ) {}

  /** Either side can record now: a side waiting for the SDK says so until one is registered. */
  get enabled(): boolean {
    return this.core.enabled || this.legacy.enabled;
  }

  /** The core's rate; setting it sets both sides', so they sample alike. */
  get sampleRate(): number {
    return this.core.sampleRate;
  }

  set sampleRate(rate: number) {
    this.core.sampleRate = rate;
    this.legacy.sampleRate = rate;
  }

  get activeSpans(): number {
    return this.core.activeSpans + this.legacy.activeSpans;
  }

  get trackedEntries(): number {
    return this.core.trackedEntries + this.legacy.trackedEntries;
  }

  get closedByWatchdog(): number {
    return this.core.closedByWatchdog;
  }

  /** The core tracer's: the legacy recorder has no spans to list. */
  openJourneys(): OpenCoreJourney[] {
    return this.core.openJourneys();
  }

  requestAdded(request: CoreRequestView, step: number): void {
    try {
      this.core.requestAdded(request, step);
    } catch (error) {
      this.onError(error, "requestAdded");
    }
    try {
      this.legacy.requestAdded(request, step);
    } catch (error) {
      this.onError(error, "requestAdded");
    }
  }

  requestScheduled(request: CoreRequestView, step: number): void {
    try {
      this.core.requestScheduled(request, step);
    } catch (error) {
      this.onError(error, "requestScheduled");
    }
    try {
      this.legacy.requestScheduled(request, step);
    } catch (error) {
      this.onError(error, "requestScheduled");
    }
  }

  requestProgressed(request: CoreRequestView, step: number): void {
    try {
      this.core.requestProgressed(request, step);
    } catch (error) {
      this.onError(error, "requestProgressed");
    }
    try {
      this.legacy.requestProgressed(request, step);
    } catch (error) {
      this.onError(error, "requestProgressed");
    }
  }

  requestPreempted(request: CoreRequestView, step: number): void {
    try {
      this.core.requestPreempted(request, step);
    } catch (error) {
      this.onError(error, "requestPreempted");
    }
    try {
      this.legacy.requestPreempted(request, step);
    } catch (error) {
      this.onError(error, "requestPreempted");
    }
  }

  /** The core's latencies: the legacy side measures its own, on the output side. */
  requestFinished(
    request: CoreRequestView | string,
    status: FinishStatus,
    step: number,
  ): CoreLatencies | undefined {
    // Both cleanups run whatever the other does: each layer must drop its entry.
    let latencies: CoreLatencies | undefined;
    try {
      latencies = this.core.requestFinished(request, status, step);
    } catch (error) {
      this.onError(error, "requestFinished");
    }
    try {
      this.legacy.requestFinished(request, status, step);
    } catch (error) {
      this.onError(error, "requestFinished");
    }
    return latencies;
  }

  /** Step spans exist only on the span side: the legacy recorder has none. */
  stepFinished(step: CoreStepView): void {
    try {
      this.core.stepFinished(step);
    } catch (error) {
      this.onError(error, "stepFinished");
    }
  }

  shutdown(step: number): void {
    try {
      this.core.shutdown(step);
    } catch (error) {
      this.onError(error, "shutdown");
    }
    try {
      this.legacy.shutdown(step);
    } catch (error) {
      this.onError(error, "shutdown");
    }
  }
}
