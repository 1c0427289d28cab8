import type { HeaderMap } from "@llm-journey/context-propagation";
import { CoreAttr, type FinishStatus } from "@llm-journey/tracer-core";
import type { Attributes } from "@opentelemetry/api";
import type { LegacyJourneyRecord } from "./journey-record.js";
import { LegacyAttr } from "./legacy-names.js";

/** The events and span attributes of one finished legacy journey. */
export interface LegacyTimeline {
  readonly events: readonly LegacyJourneyRecord[];
  readonly finishStatus: FinishStatus;
  readonly spanAttributes: Attributes;
}

/**
 * What the output side keeps for one request between its arrival and its completion:
 * the arrival, the parent headers and the records collected so far. One object per
 * request, so the cleanup has one entry to remove.
 */
export class CollectedJourney {
  private readonly records: LegacyJourneyRecord[] = [];
  private finished: LegacyJourneyRecord | undefined;
  private droppedHere = 0;

  constructor(
    readonly arrivalTime: number,
    readonly traceHeaders: HeaderMap | undefined,
    readonly attributes: Attributes | undefined,
    /** Events the span may hold; the last slot is kept for FINISHED. */
    private readonly budget: number,
  ) {}

  /** Records held. */
  get size(): number {
    return this.records.length;
  }

  /** Keeps a record unless the journey already finished or the budget is spent; true if kept. */
  add(record: LegacyJourneyRecord): boolean {
    // One FINISHED per span, even if a sender repeats it or sends more after it.
    if (this.finished !== undefined) return false;
    if (record.type === "FINISHED") {
      this.finished = record;
    } else if (this.records.length >= this.budget - 1) {
      // The scheduler side applies the same budget; this guards memory against any sender.
      this.droppedHere++;
      return false;
    }
    this.records.push(record);
    return true;
  }

  /**
   * The journey as it will be exported. Without a FINISHED record (the request ended on
   * the output side first: a disconnect, a timeout, a lost engine), one is added from the
   * last known state with `status`, so every legacy span ends with exactly one FINISHED.
   */
  timeline(options: {
    status: FinishStatus;
    completedAt: number;
    firstResponseTime: number | undefined;
  }): LegacyTimeline {
    const finished = this.finished ?? this.synthesizeFinished(options.status, options.completedAt);
    const events = this.finished === undefined ? [...this.records, finished] : this.records;
    const finishedAt = finished.ts;
    const queuedAt = events[0]?.type === "QUEUED" ? events[0].ts : undefined;
    const firstScheduledAt = finished.firstScheduledTs ?? firstTs(events, "SCHEDULED");
    const firstTokenAt = finished.firstTokenTs ?? firstTs(events, "FIRST_TOKEN");
    const firstResponseAt = options.firstResponseTime ?? firstTokenAt;

    // The same definitions as the core span's latencies (docs/reference.md), plus the two
    // measured from arrival that only the API side (or this span) can give.
    const span: Attributes = {
      [CoreAttr.NUM_PREEMPTIONS]: finished.preemptions,
      [LegacyAttr.LATENCY_E2E]: options.completedAt - this.arrivalTime,
    };
    if (queuedAt !== undefined) {
      span[CoreAttr.LATENCY_TIME_IN_QUEUE] = (firstScheduledAt ?? finishedAt) - queuedAt;
    }
    if (firstScheduledAt !== undefined) {
      span[CoreAttr.LATENCY_INFERENCE] = finishedAt - firstScheduledAt;
      span[CoreAttr.LATENCY_PREFILL] = (firstTokenAt ?? finishedAt) - firstScheduledAt;
    }
    if (firstTokenAt !== undefined) span[CoreAttr.LATENCY_DECODE] = finishedAt - firstTokenAt;
    if (firstResponseAt !== undefined) {
      span[LegacyAttr.LATENCY_TIME_TO_FIRST_TOKEN] = firstResponseAt - this.arrivalTime;
    }
    const dropped = (finished.droppedEvents ?? 0) + this.droppedHere;
    if (dropped > 0) span[CoreAttr.DROPPED_EVENTS] = dropped;
    return { events, finishStatus: finished.finishStatus ?? options.status, spanAttributes: span };
  }

  private synthesizeFinished(status: FinishStatus, at: number): LegacyJourneyRecord {
    const last = this.records.at(-1);
    return {
      type: "FINISHED",
      ts: at,
      step: last?.step ?? 0,
      phase: last?.phase ?? "WAITING",
      prefillDone: last?.prefillDone ?? 0,
      prefillTotal: last?.prefillTotal ?? 0,
      decodeDone: last?.decodeDone ?? 0,
      decodeMax: last?.decodeMax ?? 0,
      preemptions: last?.preemptions ?? 0,
      finishStatus: status,
    };
  }
}

function firstTs(
  events: readonly LegacyJourneyRecord[],
  type: LegacyJourneyRecord["type"],
): number | undefined {
  for (const event of events) if (event.type === type) return event.ts;
  return undefined;
}
