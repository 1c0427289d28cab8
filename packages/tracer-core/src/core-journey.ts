import type { Attributes, Span, SpanContext } from "@opentelemetry/api";
import {
  CoreAttr,
  CoreEvent,
  type CoreEventName,
  type CoreEventType,
  type FinishStatus,
  type JourneyPhase,
  type ScheduleKind,
} from "./journey-types.js";
import { monotonicSeconds } from "./monotonic-clock.js";
import type { OpenCoreJourney } from "./open-journey.js";
import type { CoreRequestView } from "./request-view.js";

/** Bits of `CoreJourney.flags`: three booleans in one small integer field. */
const RUNNING = 1;
const SCHEDULED_ONCE = 2;
const FIRST_TOKEN_EMITTED = 4;

/**
 * Everything the core layer keeps for one traced request: its span, the first-token
 * flag, the prefill high-water mark and the timestamps the latencies come from.
 * One object per request, so the cleanup function has one entry to remove. Its fields
 * are few and small on purpose: thousands of them live at once on a loaded engine.
 */
export class CoreJourney {
  private flags = 0;
  private prefillHighWater = 0;
  /** Events this span may still take before FINISHED, whose slot is kept apart. */
  private eventsLeft: number;
  private eventsDropped = 0;
  /** Monotonic seconds at `requestAdded`: the journey's age and the watchdog's clock. */
  readonly addedAt: number;
  /** The latest event and its step, counted even when the budget dropped it. */
  private lastEvent: CoreEventName = CoreEvent.QUEUED;
  private lastStep = 0;

  get lastEventStep(): number {
    return this.lastStep;
  }
  private firstScheduledAt: number | undefined;
  private firstTokenAt: number | undefined;

  constructor(
    private readonly span: Span,
    private view: CoreRequestView,
    /** Events this span may hold; the last slot is kept for FINISHED. */
    eventBudget: number,
  ) {
    this.eventsLeft = eventBudget - 1;
    this.addedAt = monotonicSeconds();
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
    const first = (this.flags & SCHEDULED_ONCE) === 0;
    if (first) this.firstScheduledAt = now;
    this.flags |= SCHEDULED_ONCE | RUNNING;
    this.emit(CoreEvent.SCHEDULED, "SCHEDULED", step, first ? "FIRST" : "RESUME", now);
  }

  progressed(view: CoreRequestView, step: number): void {
    this.observe(view);
    if ((this.flags & FIRST_TOKEN_EMITTED) === 0 && view.outputTokens > 0) {
      this.flags |= FIRST_TOKEN_EMITTED;
      const now = monotonicSeconds();
      this.firstTokenAt = now;
      this.emit(CoreEvent.FIRST_TOKEN, "FIRST_TOKEN", step, undefined, now);
    }
  }

  preempted(view: CoreRequestView, step: number): void {
    this.observe(view);
    this.flags &= ~RUNNING;
    this.emit(CoreEvent.PREEMPTED, "PREEMPTED", step, undefined, monotonicSeconds());
  }

  /**
   * Emits FINISHED with the latencies and ends the span. Called once, by the cleanup;
   * `closedBy` names who closed a journey its integration did not finish.
   */
  finish(status: FinishStatus, step: number, closedBy?: "watchdog"): void {
    // The span ends whatever reading the request or recording the event throws.
    try {
      this.record(status, step, closedBy);
    } finally {
      this.span.end();
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
      preemptions: view.preemptions,
      lastEvent: this.lastEvent,
      lastEventStep: this.lastStep,
    };
  }

  private record(status: FinishStatus, step: number, closedBy: "watchdog" | undefined): void {
    const finishedAt = monotonicSeconds();
    this.observe(this.view);
    const attributes = this.eventAttributes("FINISHED", step, finishedAt);
    attributes[CoreAttr.FINISH_STATUS] = status;
    if (closedBy !== undefined) attributes[CoreAttr.CLOSED_BY] = closedBy;
    this.span.addEvent(CoreEvent.FINISHED, attributes);
    const firstScheduledAt = this.firstScheduledAt;
    const firstTokenAt = this.firstTokenAt;
    const span: Attributes = {
      [CoreAttr.NUM_PREEMPTIONS]: this.view.preemptions,
      [CoreAttr.LATENCY_TIME_IN_QUEUE]: (firstScheduledAt ?? finishedAt) - this.addedAt,
    };
    if (firstScheduledAt !== undefined) {
      span[CoreAttr.LATENCY_INFERENCE] = finishedAt - firstScheduledAt;
      span[CoreAttr.LATENCY_PREFILL] = (firstTokenAt ?? finishedAt) - firstScheduledAt;
    }
    if (firstTokenAt !== undefined) span[CoreAttr.LATENCY_DECODE] = finishedAt - firstTokenAt;
    if (this.eventsDropped > 0) span[CoreAttr.DROPPED_EVENTS] = this.eventsDropped;
    if (closedBy !== undefined) span[CoreAttr.CLOSED_BY] = closedBy;
    this.span.setAttributes(span);
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
    if (this.eventsLeft <= 0) {
      this.eventsDropped++;
      return;
    }
    this.eventsLeft--;
    const attributes = this.eventAttributes(type, step, now);
    if (kind !== undefined) attributes[CoreAttr.SCHEDULE_KIND] = kind;
    this.span.addEvent(name, attributes);
  }

  /** Takes the latest view and raises the prefill high-water mark. */
  private observe(view: CoreRequestView): void {
    this.view = view;
    // A high-water mark: recompute after a preemption must not make progress go back.
    const computed = Math.min(view.computedTokens, view.promptTokens);
    if (computed > this.prefillHighWater) this.prefillHighWater = computed;
  }

  /** The attributes every core event carries, from the view last observed. */
  private eventAttributes(type: CoreEventType, step: number, now: number): Attributes {
    const view = this.view;
    const promptTokens = view.promptTokens;
    return {
      [CoreAttr.EVENT_TYPE]: type,
      [CoreAttr.TS_MONOTONIC]: now,
      [CoreAttr.SCHEDULER_STEP]: step,
      [CoreAttr.PHASE]: this.phase(view.computedTokens, promptTokens),
      [CoreAttr.PREFILL_DONE]: this.prefillHighWater,
      [CoreAttr.PREFILL_TOTAL]: promptTokens,
      [CoreAttr.DECODE_DONE]: view.outputTokens,
      [CoreAttr.DECODE_MAX]: view.maxTokens,
      [CoreAttr.NUM_PREEMPTIONS]: view.preemptions,
    };
  }

  private phase(computedTokens: number, promptTokens: number): JourneyPhase {
    if ((this.flags & RUNNING) === 0) return "WAITING";
    return computedTokens < promptTokens ? "PREFILL" : "DECODE";
  }
}
