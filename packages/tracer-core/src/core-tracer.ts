import type { FinishStatus } from "./journey-types.js";
import type { OpenCoreJourney } from "./open-journey.js";
import type { CoreRequestView } from "./request-view.js";
import type { CoreStepView } from "./step-view.js";

/**
 * What the core measured of one request, in seconds, as recorded on its `llm_core` span
 * (`gen_ai.latency.*`). A phase the request never reached is absent.
 */
export interface CoreLatencies {
  /** From QUEUED to the first SCHEDULED; to FINISHED for a request never scheduled. */
  readonly timeInQueue?: number;
  /** From the first SCHEDULED to FIRST_TOKEN; to FINISHED for a request that ends before it. */
  readonly prefill?: number;
  /** From FIRST_TOKEN to FINISHED. */
  readonly decode?: number;
}

/**
 * The scheduler-side hooks. Call each at the matching point of the scheduler loop, after
 * updating the request's fields (see the package README); `step` is the scheduler
 * iteration counter. No hook throws, whatever the tracer or exporter does; a hook called
 * out of order is reported to `onError`.
 */
export interface CoreJourneyTracer {
  /**
   * Whether spans can be recorded now: false when tracing is off, and, for a tracer
   * created before an SDK was registered globally, until one is.
   */
  readonly enabled: boolean;
  /**
   * Share of requests traced when a request carries no `x-llm-journey-sampled` header
   * (the core used without the API layer), in [0, 1]. May be changed while the engine
   * runs; a value outside [0, 1] throws a `RangeError`. Always 0 for the no-op.
   */
  sampleRate: number;
  /** The request entered the waiting queue: decides sampling, starts `llm_core`, emits QUEUED. */
  requestAdded(request: CoreRequestView, step: number): void;
  /** The request got a place in the running batch: SCHEDULED, FIRST or RESUME. */
  requestScheduled(request: CoreRequestView, step: number): void;
  /** A step updated the request's progress: records prefill progress, emits FIRST_TOKEN once. */
  requestProgressed(request: CoreRequestView, step: number): void;
  /** The request was evicted from the running batch: PREEMPTED. */
  requestPreempted(request: CoreRequestView, step: number): void;
  /**
   * The one cleanup function of the core layer: emits FINISHED, ends the span and drops
   * every entry kept for the request. Call it from every termination path (a `finally`
   * is the right place); calling it again for the same request does nothing.
   *
   * Pass the request itself where you have it: an untraced request is then recognised
   * by one property read, without hashing its id. The id alone works too.
   *
   * Returns the latencies recorded on the span, to send with the request's final output
   * (for example to the API layer's `setCoreLatencies`); `undefined`, at no cost, for a
   * request that is not traced or already finished.
   */
  requestFinished(
    request: CoreRequestView | string,
    status: FinishStatus,
    step: number,
  ): CoreLatencies | undefined;
  /**
   * A scheduler iteration ended: decides whether to keep it (its own rate, or a
   * preemption, or slower than the threshold) and, only then, records one `llm_step`
   * span linked to the `llm_core` spans of the traced requests in its batch. Call it once
   * per step, after the batch was computed and before the step's `requestFinished`
   * calls, so that requests ending in this step are still linked. Keeps nothing.
   */
  stepFinished(step: CoreStepView): void;
  /**
   * Engine shutdown: finishes every in-flight journey with `aborted` and stops the
   * watchdog's sweep.
   */
  shutdown(step: number): void;
  /**
   * The journeys open now, oldest first: request id, trace id, phase, age, progress,
   * preemptions and the latest event. Built from what the tracer keeps anyway, only when
   * called; empty for the no-op.
   */
  openJourneys(): OpenCoreJourney[];
  /** Journeys the watchdog (`maxJourneyAgeMs`) closed so far. */
  readonly closedByWatchdog: number;
  /** `llm_core` spans started and not yet ended. */
  readonly activeSpans: number;
  /** Per-request entries held by this layer; 0 when the engine is idle. */
  readonly trackedEntries: number;
}
