import {
  extractContext,
  readSampledHeader,
  SAMPLED_HEADER,
} from "@llm-journey/context-propagation";
import { type Span, type SpanContext, SpanKind, type Tracer } from "@opentelemetry/api";
import { CoreJourney } from "./core-journey.js";
import type { CoreJourneyTracer, CoreLatencies } from "./core-tracer.js";
import { MisuseReporter } from "./hook-misuse.js";
import { CORE_SPAN_NAME, CoreAttr, FINISH_STATUSES, type FinishStatus } from "./journey-types.js";
import { JourneyWatchdog, watchdogClosure } from "./journey-watchdog.js";
import { monotonicSeconds } from "./monotonic-clock.js";
import type { OpenCoreJourney } from "./open-journey.js";
import {
  type CoreRequestView,
  isMarkedNotSampled,
  isMarkedSampled,
  requestIdOf,
} from "./request-view.js";
import { assertSampleRate, decideSampled } from "./sample-rate.js";
import { spanTime, wallClockAnchor } from "./span-time.js";
import { NOOP_STEP_RECORDER, type StepRecorder, StepSpanRecorder } from "./step-span-recorder.js";
import type { StepTracingSettings } from "./step-tracing-options.js";
import type { CoreStepView } from "./step-view.js";
import type { TracingErrorHandler } from "./tracing-error-reporter.js";
import { TracingNotice } from "./tracing-notice.js";

/**
 * Tracing on: one `llm_core` span per sampled request, kept in one map that the
 * cleanup function empties. Every hook catches and reports its own failures, and
 * reports a call the journey cannot follow (see `HookMisuseKind`) without throwing.
 *
 * A request that is not traced must cost next to nothing on every engine step, so the
 * per-step hooks leave before hashing its id when they can: when no journey is in
 * flight, or when the request carries the API layer's "not traced" header. Misuse checks
 * run only where a journey is found or its absence is already known: they add no state
 * and no work to an untraced request.
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
  private readonly misuse: MisuseReporter;
  private rate: number;
  /**
   * True when nobody chose the rate for requests without the sampled header: such a
   * request then most likely lost the API layer's headers on the way to the engine.
   */
  private rateIsDefault: boolean;
  /** Set when the SDK's sampler dropped a journey the API layer traced; reported once. */
  private samplerDroppedTraced = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly options: {
      sampleRate: number;
      sampleRateIsDefault: boolean;
      eventBudget: number;
      onError: TracingErrorHandler;
      /** Close journeys open longer than this; undefined: no watchdog. */
      maxJourneyAgeMs: number | undefined;
      /** `llm_step` spans; off when undefined. */
      steps?: StepTracingSettings | undefined;
    },
  ) {
    this.rate = options.sampleRate;
    this.rateIsDefault = options.sampleRateIsDefault;
    this.misuse = new MisuseReporter(options.onError);
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

  get sampleRate(): number {
    return this.rate;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
    this.rate = rate;
    this.rateIsDefault = false;
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
      if (isMarkedNotSampled(headers)) return;
      // The API layer's decision wins; without it the core applies its own rate. Its "1",
      // as it writes it, is one property read; other spellings are read the long way.
      const decided = isMarkedSampled(headers) || readSampledHeader(headers);
      if (decided === false || (decided === undefined && !this.decideWithoutHeader(request)))
        return;
      const requestId = request.requestId;
      if (this.journeys.has(requestId)) return;
      const addedAt = monotonicSeconds();
      const anchor = wallClockAnchor();
      const span = this.tracer.startSpan(
        CORE_SPAN_NAME,
        {
          kind: SpanKind.INTERNAL,
          startTime: spanTime(anchor, addedAt, addedAt),
          // A literal key (see CoreJourney.eventAttributes), checked against CoreAttr.
          attributes: { "gen_ai.request.id": requestId } satisfies {
            [CoreAttr.REQUEST_ID]: string;
          },
        },
        extractContext(headers),
      );
      if (!isRecording(span)) {
        // The SDK's sampler said no: nothing is kept for the request.
        span.end();
        if (decided === true) this.reportSamplerOverride();
        return;
      }
      const journey = new CoreJourney(span, request, this.options.eventBudget, addedAt, anchor);
      // Tracked before the first event, so a throwing span is still ended by the cleanup.
      this.journeys.set(requestId, journey);
      this.watchdog?.watch();
      journey.queued(step);
    } catch (error) {
      this.options.onError(error, "requestAdded");
    }
  }

  requestScheduled(request: CoreRequestView, step: number): void {
    try {
      const journey = this.journeyOf(request, "requestScheduled");
      if (journey === undefined) return;
      if (journey.running) {
        // Another SCHEDULED would claim a RESUME that no preemption came before.
        this.misuse.report(
          "scheduled-while-running",
          "requestScheduled",
          () =>
            `requestScheduled for request ${request.requestId}, which is already running: call it when the request joins the running batch, and again only after requestPreempted. The call was ignored.`,
        );
        return;
      }
      journey.scheduled(request, step);
    } catch (error) {
      this.options.onError(error, "requestScheduled");
    }
  }

  requestProgressed(request: CoreRequestView, step: number): void {
    // Called for every request on every step: no map, no misuse check, while nothing is traced.
    if (this.journeys.size === 0) return;
    try {
      this.journeyOf(request, "requestProgressed")?.progressed(request, step);
    } catch (error) {
      this.options.onError(error, "requestProgressed");
    }
  }

  requestPreempted(request: CoreRequestView, step: number): void {
    try {
      const journey = this.journeyOf(request, "requestPreempted");
      if (journey === undefined) return;
      if (!journey.running) {
        // A PREEMPTED must follow a SCHEDULED: the journey's order would be broken.
        this.misuse.report(
          "preempted-while-not-running",
          "requestPreempted",
          () =>
            `requestPreempted for request ${request.requestId}, which is not running (never scheduled, or already preempted): call requestScheduled when the request joins the running batch. The call was ignored.`,
        );
        return;
      }
      journey.preempted(request, step);
      const counted = request.preemptions;
      if (counted < journey.preemptionCalls) {
        this.misuse.report(
          "stale-preemption-count",
          "requestPreempted",
          () =>
            `request ${request.requestId} counts ${String(counted)} preemptions after ${journey.preemptionCalls} requestPreempted calls: raise its preemptions before calling requestPreempted. num_preemptions counts the calls meanwhile.`,
        );
      }
    } catch (error) {
      this.options.onError(error, "requestPreempted");
    }
  }

  requestFinished(
    request: CoreRequestView | string,
    status: FinishStatus,
    step: number,
  ): CoreLatencies | undefined {
    if (this.journeys.size === 0) return undefined;
    // Given the view, an untraced request is known without hashing its id (see journeyOf).
    // No misuse check for an unknown id: a second requestFinished is allowed.
    if (typeof request !== "string" && isMarkedNotSampled(request.traceHeaders)) return undefined;
    return this.finishJourney(requestIdOf(request), status, step);
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
   * already finished, so later hooks and a second call are harmless. Returns the
   * latencies recorded, computed before the span is touched so a broken span loses none.
   */
  private finishJourney(
    requestId: string,
    status: FinishStatus,
    step: number,
    closedBy?: "watchdog",
  ): CoreLatencies | undefined {
    const journey = this.journeys.get(requestId);
    if (journey === undefined) return undefined;
    // Removed first: whatever the span does next, the entry cannot outlive the request.
    this.journeys.delete(requestId);
    const finishedAt = monotonicSeconds();
    const latencies = journey.latenciesAt(finishedAt);
    try {
      journey.finish(this.checkedStatus(requestId, status), step, finishedAt, latencies, closedBy);
    } catch (error) {
      this.options.onError(error, "requestFinished");
    }
    return latencies;
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

  /**
   * The request's journey, or undefined for a request that is not traced. May throw.
   * A request the API layer marked traced ("1") but the core does not know was never
   * added, or is used after its requestFinished: reported.
   */
  private journeyOf(request: CoreRequestView, hook: string): CoreJourney | undefined {
    // requestAdded never traces a request marked "0", so this one property read
    // answers for most untraced requests without hashing the id.
    const headers = request.traceHeaders;
    if (isMarkedNotSampled(headers)) return undefined;
    const journey = this.journeys.size === 0 ? undefined : this.journeys.get(request.requestId);
    if (journey === undefined && isMarkedSampled(headers)) this.reportUnknown(request, hook);
    return journey;
  }

  private reportUnknown(request: CoreRequestView, hook: string): void {
    // Once the watchdog has closed a journey, later hooks for it are expected and cannot
    // be told from a request never added without keeping its id: the watchdog's own
    // reports already name the integration's fault.
    if (this.watchdogClosedCount > 0) return;
    // Nor after the SDK's sampler dropped a traced request's span: that report names the fault.
    if (this.samplerDroppedTraced) return;
    this.misuse.report(
      "unknown-request",
      hook,
      () =>
        `${hook} for request ${request.requestId}, which the core is not tracing although the API layer traces it: call requestAdded when the request enters the waiting queue, and no hook after its requestFinished.`,
    );
  }

  /** The open `llm_core` span of a request, for the links of its step spans. */
  private readonly coreSpanOf = (requestId: string): SpanContext | undefined => {
    if (this.journeys.size === 0) return undefined;
    return this.journeys.get(requestId)?.spanContext();
  };

  /** The core's own decision, for a request that came without the API layer's header. */
  private decideWithoutHeader(request: CoreRequestView): boolean {
    if (this.rateIsDefault) {
      this.misuse.report(
        "missing-trace-headers",
        "requestAdded",
        () =>
          `request ${request.requestId} reached the core without the x-llm-journey-sampled header, so the core traces it at its default sampleRate (1), as a root trace unless its traceHeaders carry a traceparent. Pass the API layer's handle.coreHeaders as the request's traceHeaders; if the core runs without the API layer, set sampleRate to say so.`,
      );
    }
    return decideSampled(this.rate);
  }

  /** The status to record: one of the five, else `error`, reported. */
  private checkedStatus(requestId: string, status: FinishStatus): FinishStatus {
    if (FINISH_STATUSES.includes(status)) return status;
    this.misuse.report(
      "invalid-finish-status",
      "requestFinished",
      () =>
        `requestFinished for request ${requestId} with status ${String(status)}, not one of ${FINISH_STATUSES.join(", ")}: recorded as error.`,
    );
    return "error";
  }

  /**
   * The API layer traced the request, yet the SDK here dropped its core span: the trace
   * will have an `llm_request` with no `llm_core`. Said once, as it holds for every
   * such request until the sampler is changed.
   */
  private reportSamplerOverride(): void {
    if (this.samplerDroppedTraced) return;
    this.samplerDroppedTraced = true;
    this.options.onError(
      new TracingNotice(
        "sampler-dropped-core-span",
        "warning",
        `the tracer provider's sampler made ${CORE_SPAN_NAME} non-recording for a request the API layer traced (${SAMPLED_HEADER}: 1), so its trace has no core span; give the engine's provider a sampler that follows the parent span, such as the SDK's default ParentBased, or AlwaysOn`,
      ),
      "requestAdded",
    );
  }
}

/** A span that cannot say whether it records is kept, so that the cleanup still ends it. */
function isRecording(span: Span): boolean {
  try {
    return span.isRecording();
  } catch {
    return true;
  }
}
