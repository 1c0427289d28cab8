import type { Attributes, Span } from "@opentelemetry/api";
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
import type { CoreRequestView } from "./request-view.js";

/**
 * Everything the core layer keeps for one traced request: its span, the first-token
 * flag, the prefill high-water mark and the timestamps the latencies come from.
 * One object per request, so the cleanup function has one entry to remove.
 */
export class CoreJourney {
  private running = false;
  private scheduledOnce = false;
  private firstTokenEmitted = false;
  private prefillHighWater = 0;
  private eventsEmitted = 0;
  private eventsDropped = 0;
  private readonly addedAt: number;
  private firstScheduledAt: number | undefined;
  private firstTokenAt: number | undefined;

  constructor(
    private readonly span: Span,
    private view: CoreRequestView,
    /** Events this span may hold; the last slot is kept for FINISHED. */
    private readonly eventBudget: number,
  ) {
    this.addedAt = monotonicSeconds();
  }

  queued(step: number): void {
    this.emit(CoreEvent.QUEUED, "QUEUED", step, undefined);
  }

  scheduled(view: CoreRequestView, step: number): void {
    this.observe(view);
    const kind: ScheduleKind = this.scheduledOnce ? "RESUME" : "FIRST";
    if (!this.scheduledOnce) this.firstScheduledAt = monotonicSeconds();
    this.scheduledOnce = true;
    this.running = true;
    this.emit(CoreEvent.SCHEDULED, "SCHEDULED", step, kind);
  }

  progressed(view: CoreRequestView, step: number): void {
    this.observe(view);
    if (!this.firstTokenEmitted && view.outputTokens > 0) {
      this.firstTokenEmitted = true;
      this.firstTokenAt = monotonicSeconds();
      this.emit(CoreEvent.FIRST_TOKEN, "FIRST_TOKEN", step, undefined);
    }
  }

  preempted(view: CoreRequestView, step: number): void {
    this.observe(view);
    this.running = false;
    this.emit(CoreEvent.PREEMPTED, "PREEMPTED", step, undefined);
  }

  /** Emits FINISHED with the latencies and ends the span. Called once, by the cleanup. */
  finish(status: FinishStatus, step: number): void {
    // The span ends whatever reading the request or recording the event throws.
    try {
      this.record(status, step);
    } finally {
      this.span.end();
    }
  }

  private record(status: FinishStatus, step: number): void {
    const finishedAt = monotonicSeconds();
    const attributes = this.eventAttributes("FINISHED", step, finishedAt);
    attributes[CoreAttr.FINISH_STATUS] = status;
    this.span.addEvent(CoreEvent.FINISHED, attributes);
    const span: Attributes = {
      [CoreAttr.NUM_PREEMPTIONS]: this.view.preemptions,
      [CoreAttr.LATENCY_TIME_IN_QUEUE]: (this.firstScheduledAt ?? finishedAt) - this.addedAt,
    };
    if (this.firstScheduledAt !== undefined) {
      span[CoreAttr.LATENCY_INFERENCE] = finishedAt - this.firstScheduledAt;
      span[CoreAttr.LATENCY_PREFILL] = (this.firstTokenAt ?? finishedAt) - this.firstScheduledAt;
    }
    if (this.firstTokenAt !== undefined)
      span[CoreAttr.LATENCY_DECODE] = finishedAt - this.firstTokenAt;
    if (this.eventsDropped > 0) span[CoreAttr.DROPPED_EVENTS] = this.eventsDropped;
    this.span.setAttributes(span);
  }

  private emit(
    name: CoreEventName,
    type: CoreEventType,
    step: number,
    kind: ScheduleKind | undefined,
  ): void {
    // Keep the start of the journey and the slot for FINISHED; a request preempted
    // hundreds of times loses middle events, counted in `journey.dropped_events`.
    if (this.eventsEmitted >= this.eventBudget - 1) {
      this.eventsDropped++;
      return;
    }
    this.eventsEmitted++;
    const attributes = this.eventAttributes(type, step, monotonicSeconds());
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

  private eventAttributes(type: CoreEventType, step: number, now: number): Attributes {
    this.observe(this.view);
    const view = this.view;
    return {
      [CoreAttr.EVENT_TYPE]: type,
      [CoreAttr.TS_MONOTONIC]: now,
      [CoreAttr.SCHEDULER_STEP]: step,
      [CoreAttr.PHASE]: this.phase(),
      [CoreAttr.PREFILL_DONE]: this.prefillHighWater,
      [CoreAttr.PREFILL_TOTAL]: view.promptTokens,
      [CoreAttr.DECODE_DONE]: view.outputTokens,
      [CoreAttr.DECODE_MAX]: view.maxTokens,
      [CoreAttr.NUM_PREEMPTIONS]: view.preemptions,
    };
  }

  private phase(): JourneyPhase {
    if (!this.running) return "WAITING";
    return this.view.computedTokens < this.view.promptTokens ? "PREFILL" : "DECODE";
  }
}
