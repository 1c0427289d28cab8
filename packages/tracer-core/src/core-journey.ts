import type { HrTime, Span, SpanContext } from "@opentelemetry/api";
import type { CoreLatencies } from "./core-tracer.js";
import {
  CoreAttr,
  CoreEvent,
  type CoreEventName,
  type CoreEventType,
  type FinishStatus,
  type JourneyPhase,
  type ScheduleKind,
} from "./journey-types.js";
import { elapsedMicroseconds, monotonicSeconds } from "./monotonic-clock.js";
import type { OpenCoreJourney } from "./open-journey.js";
import type { CoreRequestView } from "./request-view.js";
import { spanTime } from "./span-time.js";

/** A core event's attributes under `CoreAttr`'s names (see `eventAttributes`). */
type CoreEventAttributes = {
  [CoreAttr.EVENT_TYPE]: CoreEventType;
  [CoreAttr.TS_MONOTONIC]: number;
  [CoreAttr.SCHEDULER_STEP]: number;
  [CoreAttr.PHASE]: JourneyPhase;
  [CoreAttr.PREFILL_DONE]: number;
  [CoreAttr.PREFILL_TOTAL]: number;
  [CoreAttr.DECODE_DONE]: number;
  [CoreAttr.DECODE_MAX]: number;
  [CoreAttr.NUM_PREEMPTIONS]: number;
  [CoreAttr.SCHEDULE_KIND]?: ScheduleKind;
  [CoreAttr.FINISH_STATUS]?: FinishStatus;
  [CoreAttr.CLOSED_BY]?: "watchdog";
};

/**
 * `CoreJourney.state`: three booleans in its low bits and the `requestPreempted` calls
 * counted above them, in one small integer field.
 */
const RUNNING = 1;
const SCHEDULED_ONCE = 2;
const FIRST_TOKEN_EMITTED = 4;
const ONE_PREEMPTION = 8;

/**
 * Everything the core layer keeps for one traced request: its span, the first-token
 * flag, the prefill high-water mark, the preemptions it was told of and the timestamps
 * the latencies come from.
 * One object per request, so the cleanup function has one entry to remove. Its fields
 * are few and small on purpose: thousands of them live at once on a loaded engine.
 */
export class CoreJourney {
  private state = 0;
  private prefillHighWater = 0;
  /**
   * Events this span may still take before FINISHED, whose slot is kept apart; below
   * zero, minus the events dropped.
   */
  private eventsLeft: number;
  /** The latest event and its step, counted even when the budget dropped it. */
  private lastEvent: CoreEventName = CoreEvent.QUEUED;
  private lastStep = 0;

  /** Whole microseconds from `addedAt` to the first SCHEDULED and to FIRST_TOKEN. */
  private firstScheduledAfter: number | undefined;
  private firstTokenAfter: number | undefined;

  get lastEventStep(): number {
    return this.lastStep;
  }

  constructor(
    private readonly span: Span,
    private view: CoreRequestView,
    /** Events this span may hold; the last slot is kept for FINISHED. */
    eventBudget: number,
    /** Monotonic seconds at `requestAdded`: the journey's age and the watchdog's clock. */
    readonly addedAt: number,
    /** The wall clock at `addedAt` (see `spanTime`), which the span started at. */
    private readonly anchor: number,
  ) {
    this.eventsLeft = eventBudget - 1;
  }

  /** Scheduled and not preempted since. */
  get running(): boolean {
    return (this.state & RUNNING) !== 0;
  }

  /** Preemptions so far: the request's own counter, or the calls seen when it lags. */
  get preemptions(): number {
    return Math.max(this.view.preemptions, this.preemptionCalls);
  }

  /**
   * The `requestPreempted` calls this journey has seen, so that a request whose own
   * counter lags still reports the truth.
   */
  get preemptionCalls(): number {
    return Math.floor(this.state / ONE_PREEMPTION);
  }

  /** The span's identity, for the links of the steps this request takes part in. */
  spanContext(): SpanContext {
    return this.span.spanContext();
  }

  queued(step: number): void {
    this.observe(this.view);
    // QUEUED happens when the request was added: the same clock reading.
    this.emit(CoreEvent.QUEUED, "QUEUED", step, undefined, this.addedAt);
  }

  scheduled(view: CoreRequestView, step: number): void {
    this.observe(view);
    const now = monotonicSeconds();
    const first = (this.state & SCHEDULED_ONCE) === 0;
    if (first) this.firstScheduledAfter = elapsedMicroseconds(this.addedAt, now);
    this.state |= SCHEDULED_ONCE | RUNNING;
    this.emit(CoreEvent.SCHEDULED, "SCHEDULED", step, first ? "FIRST" : "RESUME", now);
  }

  progressed(view: CoreRequestView, step: number): void {
    this.observe(view);
    if ((this.state & FIRST_TOKEN_EMITTED) === 0 && view.outputTokens > 0) {
      this.state |= FIRST_TOKEN_EMITTED;
      const now = monotonicSeconds();
      this.firstTokenAfter = elapsedMicroseconds(this.addedAt, now);
      this.emit(CoreEvent.FIRST_TOKEN, "FIRST_TOKEN", step, undefined, now);
    }
  }

  preempted(view: CoreRequestView, step: number): void {
    this.observe(view);
    this.state = (this.state & ~RUNNING) + ONE_PREEMPTION;
    this.emit(CoreEvent.PREEMPTED, "PREEMPTED", step, undefined, monotonicSeconds());
  }

  /**
   * The latencies of a journey that finishes at `finishedAt`: what FINISHED records and
   * `requestFinished` returns. Only arithmetic on fields, so it cannot fail.
   */
  latenciesAt(finishedAt: number): CoreLatencies {
    // Differences of whole microseconds: exact, and never below zero.
    const finished = elapsedMicroseconds(this.addedAt, finishedAt);
    const scheduled = this.firstScheduledAfter;
    if (scheduled === undefined) return { timeInQueue: finished / 1e6 };
    // A request that ends before its first token spent its whole time in the model in prefill.
    const firstToken = this.firstTokenAfter;
    if (firstToken === undefined) {
      return { timeInQueue: scheduled / 1e6, prefill: (finished - scheduled) / 1e6 };
    }
    return {
      timeInQueue: scheduled / 1e6,
      prefill: (firstToken - scheduled) / 1e6,
      decode: (finished - firstToken) / 1e6,
    };
  }

  /**
   * Emits FINISHED with the latencies and ends the span. Called once, by the cleanup;
   * `closedBy` names who closed a journey its integration did not finish.
   */
  finish(
    status: FinishStatus,
    step: number,
    finishedAt: number,
    latencies: CoreLatencies,
    closedBy?: "watchdog",
  ): void {
    // The span ends whatever reading the request or recording the event throws.
    try {
      this.record(status, step, finishedAt, latencies, closedBy);
    } finally {
      this.span.end(this.timeOf(finishedAt));
    }
  }

  /** What `openJourneys()` reports, read now. Reads the span's context and the request view. */
  snapshot(requestId: string, now: number): OpenCoreJourney {
    const view = this.view;
    const context = this.span.spanContext();
    const promptTokens = view.promptTokens;
    return {
      requestId,
      traceId: context.traceId,
      spanId: context.spanId,
      ageMs: (now - this.addedAt) * 1000,
      phase: this.phase(view.computedTokens, promptTokens),
      prefillDoneTokens: Math.max(
        this.prefillHighWater,
        Math.min(view.computedTokens, promptTokens),
      ),
      prefillTotalTokens: promptTokens,
      decodeDoneTokens: view.outputTokens,
      decodeMaxTokens: view.maxTokens,
      preemptions: this.preemptions,
      lastEvent: this.lastEvent,
      lastEventStep: this.lastStep,
    };
  }

  private record(
    status: FinishStatus,
    step: number,
    finishedAt: number,
    latencies: CoreLatencies,
    closedBy: "watchdog" | undefined,
  ): void {
    this.observe(this.view);
    const attributes = this.eventAttributes("FINISHED", step, finishedAt);
    attributes[CoreAttr.FINISH_STATUS] = status;
    if (closedBy !== undefined) attributes[CoreAttr.CLOSED_BY] = closedBy;
    this.span.addEvent(CoreEvent.FINISHED, attributes, this.timeOf(finishedAt));
    // One setAttribute per key: no attributes object built only for the SDK to walk.
    const span = this.span;
    span.setAttribute(CoreAttr.NUM_PREEMPTIONS, this.preemptions);
    setDefined(span, CoreAttr.LATENCY_TIME_IN_QUEUE, latencies.timeInQueue);
    const scheduled = this.firstScheduledAfter;
    if (scheduled !== undefined) {
      setDefined(span, CoreAttr.LATENCY_PREFILL, latencies.prefill);
      const finished = elapsedMicroseconds(this.addedAt, finishedAt);
      span.setAttribute(CoreAttr.LATENCY_INFERENCE, (finished - scheduled) / 1e6);
    }
    setDefined(span, CoreAttr.LATENCY_DECODE, latencies.decode);
    if (this.eventsLeft < 0) span.setAttribute(CoreAttr.DROPPED_EVENTS, -this.eventsLeft);
    if (closedBy !== undefined) span.setAttribute(CoreAttr.CLOSED_BY, closedBy);
  }

  private emit(
    name: CoreEventName,
    type: CoreEventType,
    step: number,
    kind: ScheduleKind | undefined,
    now: number,
  ): void {
    this.lastEvent = name;
    this.lastStep = step;
    // Keep the start of the journey and the slot for FINISHED; a request preempted
    // hundreds of times loses middle events, counted in `journey.dropped_events`.
    if (--this.eventsLeft < 0) return;
    const attributes = this.eventAttributes(type, step, now);
    if (kind !== undefined) attributes[CoreAttr.SCHEDULE_KIND] = kind;
    this.span.addEvent(name, attributes, this.timeOf(now));
  }

  /** Takes the latest view and raises the prefill high-water mark. */
  private observe(view: CoreRequestView): void {
    this.view = view;
    // A high-water mark: recompute after a preemption must not make progress go back.
    const computed = Math.min(view.computedTokens, view.promptTokens);
    if (computed > this.prefillHighWater) this.prefillHighWater = computed;
  }

  /**
   * The attributes every core event carries, from the view last observed. Written with
   * literal keys: V8 builds such a literal from a template, three times faster than one
   * with computed keys (`[CoreAttr.PHASE]`); `CoreEventAttributes` keeps them equal to
   * `CoreAttr`.
   */
  private eventAttributes(type: CoreEventType, step: number, now: number): CoreEventAttributes {
    const view = this.view;
    const promptTokens = view.promptTokens;
    return {
      "event.type": type,
      "ts.monotonic": now,
      "scheduler.step": step,
      phase: this.phase(view.computedTokens, promptTokens),
      "prefill.done_tokens": this.prefillHighWater,
      "prefill.total_tokens": promptTokens,
      "decode.done_tokens": view.outputTokens,
      "decode.max_tokens": view.maxTokens,
      num_preemptions: this.preemptions,
    };
  }

  /** The span time of the monotonic reading `at` (see `spanTime`). */
  private timeOf(at: number): HrTime {
    return spanTime(this.anchor, this.addedAt, at);
  }

  private phase(computedTokens: number, promptTokens: number): JourneyPhase {
    if ((this.state & RUNNING) === 0) return "WAITING";
    return computedTokens < promptTokens ? "PREFILL" : "DECODE";
  }
}

function setDefined(span: Span, key: string, value: number | undefined): void {
  if (value !== undefined) span.setAttribute(key, value);
}
