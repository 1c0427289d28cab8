import {
  type CoreRequestView,
  type FinishStatus,
  type JourneyPhase,
  monotonicSeconds,
  type ScheduleKind,
} from "@llm-journey/tracer-core";
import type { LegacyJourneyRecord } from "./journey-record.js";
import type { LegacyClientId } from "./journey-recorder.js";

/**
 * What the scheduler side keeps for one traced request: the same state as tracer-core's
 * journey (first-token flag, prefill high-water mark, event budget), so both streams
 * record the same events with the same attributes. Records are built from a snapshot of
 * the view, never from the view itself, so FINISHED can always be recorded even when
 * reading the view fails.
 */
export class RecordedJourney {
  private running = false;
  private scheduledOnce = false;
  private firstTokenRecorded = false;
  private prefillHighWater = 0;
  private recordsKept = 0;
  private recordsDropped = 0;
  private firstScheduledTs: number | undefined;
  private firstTokenTs: number | undefined;
  private promptTokens = 0;
  private computedTokens = 0;
  private outputTokens = 0;
  private maxTokens = 0;
  private preemptions = 0;

  constructor(
    readonly requestId: string,
    readonly clientId: LegacyClientId,
    private view: CoreRequestView,
    /** Records this journey may produce; the last slot is kept for FINISHED. */
    private readonly budget: number,
  ) {
    this.observe(view);
  }

  queued(step: number): LegacyJourneyRecord | undefined {
    return this.record("QUEUED", step, monotonicSeconds(), undefined);
  }

  scheduled(view: CoreRequestView, step: number): LegacyJourneyRecord | undefined {
    this.observe(view);
    const now = monotonicSeconds();
    const kind: ScheduleKind = this.scheduledOnce ? "RESUME" : "FIRST";
    if (!this.scheduledOnce) this.firstScheduledTs = now;
    this.scheduledOnce = true;
    this.running = true;
    return this.record("SCHEDULED", step, now, kind);
  }

  progressed(view: CoreRequestView, step: number): LegacyJourneyRecord | undefined {
    this.observe(view);
    if (this.firstTokenRecorded || this.outputTokens <= 0) return undefined;
    const now = monotonicSeconds();
    this.firstTokenRecorded = true;
    this.firstTokenTs = now;
    return this.record("FIRST_TOKEN", step, now, undefined);
  }

  preempted(view: CoreRequestView, step: number): LegacyJourneyRecord | undefined {
    this.observe(view);
    this.running = false;
    return this.record("PREEMPTED", step, monotonicSeconds(), undefined);
  }

  /** Reads the latest state of the request; may throw if the view does. */
  refresh(): void {
    this.observe(this.view);
  }

  /** The terminal record, always produced (it does not count against the budget). */
  finished(status: FinishStatus, step: number): LegacyJourneyRecord {
    return {
      ...this.snapshot("FINISHED", step, monotonicSeconds(), undefined),
      finishStatus: status,
      ...(this.recordsDropped > 0 ? { droppedEvents: this.recordsDropped } : {}),
      ...(this.firstScheduledTs !== undefined ? { firstScheduledTs: this.firstScheduledTs } : {}),
      ...(this.firstTokenTs !== undefined ? { firstTokenTs: this.firstTokenTs } : {}),
    };
  }

  private record(
    type: "QUEUED" | "SCHEDULED" | "FIRST_TOKEN" | "PREEMPTED",
    step: number,
    ts: number,
    kind: ScheduleKind | undefined,
  ): LegacyJourneyRecord | undefined {
    // The same rule as the core span's budget, so both streams keep the same events.
    if (this.recordsKept >= this.budget - 1) {
      this.recordsDropped++;
      return undefined;
    }
    this.recordsKept++;
    return this.snapshot(type, step, ts, kind);
  }

  /** Copies the view's fields; all are read before any is stored, so a throw changes nothing. */
  private observe(view: CoreRequestView): void {
    const promptTokens = view.promptTokens;
    const computedTokens = view.computedTokens;
    const outputTokens = view.outputTokens;
    const maxTokens = view.maxTokens;
    const preemptions = view.preemptions;
    this.view = view;
    this.promptTokens = promptTokens;
    this.computedTokens = computedTokens;
    this.outputTokens = outputTokens;
    this.maxTokens = maxTokens;
    this.preemptions = preemptions;
    // A high-water mark: recompute after a preemption must not make progress go back.
    const computed = Math.min(computedTokens, promptTokens);
    if (computed > this.prefillHighWater) this.prefillHighWater = computed;
  }

  private snapshot(
    type: LegacyJourneyRecord["type"],
    step: number,
    ts: number,
    scheduleKind: ScheduleKind | undefined,
  ): LegacyJourneyRecord {
    const record: LegacyJourneyRecord = {
      type,
      ts,
      step,
      phase: this.phase(),
      prefillDone: this.prefillHighWater,
      prefillTotal: this.promptTokens,
      decodeDone: this.outputTokens,
      decodeMax: this.maxTokens,
      preemptions: this.preemptions,
    };
    return scheduleKind === undefined ? record : { ...record, scheduleKind };
  }

  private phase(): JourneyPhase {
    if (!this.running) return "WAITING";
    return this.computedTokens < this.promptTokens ? "PREFILL" : "DECODE";
  }
}
