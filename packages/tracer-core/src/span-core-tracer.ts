import {
  extractContext,
  type HeaderMap,
  readSampledHeader,
} from "@llm-journey/context-propagation";
import { type SpanContext, SpanKind, type Tracer } from "@opentelemetry/api";
import { CoreJourney } from "./core-journey.js";
import type { CoreJourneyTracer } from "./core-tracer.js";
import { CORE_SPAN_NAME, CoreAttr, type FinishStatus } from "./journey-types.js";
import { JourneyWatchdog, watchdogClosure } from "./journey-watchdog.js";
import { monotonicSeconds } from "./monotonic-clock.js";
import type { OpenCoreJourney } from "./open-journey.js";
import { type CoreRequestView, isMarkedNotSampled, requestIdOf } from "./request-view.js";
import { decideSampled } from "./sample-rate.js";
import { NOOP_STEP_RECORDER, type StepRecorder, StepSpanRecorder } from "./step-span-recorder.js";
import type { StepTracingSettings } from "./step-tracing-options.js";
import type { CoreStepView } from "./step-view.js";
import type { TracingErrorHandler } from "./tracing-error-reporter.js";

/**
 * Tracing on: one `llm_core` span per sampled request, kept in one map that the
 * cleanup function empties. Every hook catches and reports its own failures.
 *
 * A request that is not traced must cost next to nothing on every engine step, so the
 * per-step hooks leave before hashing its id when they can: when no journey is in
 * flight, or when the request carries the API layer's "not traced" header.
 *
 * The map keeps journeys in the order they were added, so it is also their age order:
 * the watchdog's sweep closes from the oldest and stops at the first young one.
 */
export class SpanCoreTracer implements CoreJourneyTracer {
  readonly enabled = true;
  private readonly journeys = new Map<string, CoreJourney>();
  private readonly watchdog: JourneyWatchdog | undefined;
  private watchdogClosedCount = 0;
  private readonly steps: StepRecorder;

  constructor(
    private readonly tracer: Tracer,
    private readonly options: {
      sampleRate: number;
      eventBudget: number;
      onError: TracingErrorHandler;
      /** Close journeys open longer than this; undefined: no watchdog. */
      maxJourneyAgeMs: number | undefined;
      /** `llm_step` spans; off when undefined. */
      steps?: StepTracingSettings | undefined;
    },
  ) {
    this.steps =
      options.steps === undefined
        ? NOOP_STEP_RECORDER
        : new StepSpanRecorder(tracer, options.steps, this.coreSpanOf, options.onError);
    const maxAge = options.maxJourneyAgeMs;
    this.watchdog =
      maxAge === undefined
        ? undefined
        : new JourneyWatchdog(maxAge, (openedBefore) => this.closeOlderThan(openedBefore));
  }

  get activeSpans(): number {
    return this.journeys.size;
  }

  get trackedEntries(): number {
    return this.journeys.size;
  }

  get closedByWatchdog(): number {
    return this.watchdogClosedCount;
  }

  openJourneys(): OpenCoreJourney[] {
    const now = monotonicSeconds();
    const open: OpenCoreJourney[] = [];
    for (const [requestId, journey] of this.journeys) {
      try {
        open.push(journey.snapshot(requestId, now));
      } catch (error) {
        this.options.onError(error, "openJourneys");
      }
    }
    return open;
  }

  requestAdded(request: CoreRequestView, step: number): void {
    try {
      const headers = request.traceHeaders;
      if (isMarkedNotSampled(headers) || !this.shouldTrace(headers)) return;
      const requestId = request.requestId;
      if (this.journeys.has(requestId)) return;
      const span = this.tracer.startSpan(
        CORE_SPAN_NAME,
        { kind: SpanKind.INTERNAL, attributes: { [CoreAttr.REQUEST_ID]: requestId } },
        extractContext(headers),
      );
      const journey = new CoreJourney(span, request, this.options.eventBudget);
      // Tracked before the first event, so a throwing span is still ended by the cleanup.
      this.journeys.set(requestId, journey);
      this.watchdog?.watch();
      journey.queued(step);
    } catch (error) {
      this.options.onError(error, "requestAdded");
    }
  }

  requestScheduled(request: CoreRequestView, step: number): void {
    if (this.journeys.size === 0) return;
    try {
      this.journeyOf(request)?.scheduled(request, step);
    } catch (error) {
      this.options.onError(error, "requestScheduled");
    }
  }

  requestProgressed(request: CoreRequestView, step: number): void {
    if (this.journeys.size === 0) return;
    try {
      this.journeyOf(request)?.progressed(request, step);
    } catch (error) {
      this.options.onError(error, "requestProgressed");
    }
  }

  requestPreempted(request: CoreRequestView, step: number): void {
    if (this.journeys.size === 0) return;
    try {
      this.journeyOf(request)?.preempted(request, step);
    } catch (error) {
      this.options.onError(error, "requestPreempted");
    }
  }

  requestFinished(request: CoreRequestView | string, status: FinishStatus, step: number): void {
    if (this.journeys.size === 0) return;
    // Given the view, an untraced request is known without hashing its id (see journeyOf).
    if (typeof request !== "string" && isMarkedNotSampled(request.traceHeaders)) return;
    this.finishJourney(requestIdOf(request), status, step);
  }

  stepFinished(step: CoreStepView): void {
    this.steps.stepFinished(step);
  }

  shutdown(step: number): void {
    this.watchdog?.stop();
    for (const requestId of [...this.journeys.keys()]) {
      this.requestFinished(requestId, "aborted", step);
    }
  }

  /**
   * The one cleanup of this layer, behind `requestFinished`, `shutdown` and the watchdog:
   * drops the entry, then emits FINISHED and ends the span. Does nothing for a request
   * already finished, so later hooks and a second call are harmless.
   */
  private finishJourney(
    requestId: string,
    status: FinishStatus,
    step: number,
    closedBy?: "watchdog",
  ): void {
    const journey = this.journeys.get(requestId);
    if (journey === undefined) return;
    // Removed first: whatever the span does next, the entry cannot outlive the request.
    this.journeys.delete(requestId);
    try {
      journey.finish(status, step, closedBy);
    } catch (error) {
      this.options.onError(error, "requestFinished");
    }
  }

  /** The watchdog's sweep: closes journeys added at or before `openedBefore`, oldest first. */
  private closeOlderThan(openedBefore: number): boolean {
    try {
      for (const [requestId, journey] of this.journeys) {
        if (journey.addedAt > openedBefore) break; // the rest are younger
        // It runs outside the scheduler loop: FINISHED carries the last event's step.
        this.finishJourney(requestId, "aborted", journey.lastEventStep, "watchdog");
        this.watchdogClosedCount++;
        this.options.onError(watchdogClosure(requestId, this.watchdog?.maxAgeMs ?? 0), "watchdog");
      }
    } catch (error) {
      this.options.onError(error, "watchdog");
    }
    return this.journeys.size > 0;
  }

  /** The request's journey, or undefined for a request that is not traced. May throw. */
  private journeyOf(request: CoreRequestView): CoreJourney | undefined {
    // requestAdded never traces a request marked "0", so this one property read
    // answers for most untraced requests without hashing the id.
    if (isMarkedNotSampled(request.traceHeaders)) return undefined;
    return this.journeys.get(request.requestId);
  }

  /** The open `llm_core` span of a request, for the links of its step spans. */
  private readonly coreSpanOf = (requestId: string): SpanContext | undefined => {
    if (this.journeys.size === 0) return undefined;
    return this.journeys.get(requestId)?.spanContext();
  };

  private shouldTrace(headers: HeaderMap | undefined): boolean {
    // The API layer's decision wins; without it the core applies its own rate (SPEC §4).
    return readSampledHeader(headers) ?? decideSampled(this.options.sampleRate);
  }
}
