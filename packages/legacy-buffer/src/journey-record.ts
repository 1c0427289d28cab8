import {
  CoreAttr,
  CoreEvent,
  type CoreEventType,
  type FinishStatus,
  type JourneyPhase,
  type ScheduleKind,
} from "@llm-journey/tracer-core";
import type { Attributes } from "@opentelemetry/api";

/**
 * One buffered journey event, as the scheduler recorded it. A plain object of strings
 * and numbers, so it crosses a worker-thread boundary by structured clone and a process
 * boundary as JSON. Each field is one attribute of the `journey.*` event it becomes.
 */
export interface LegacyJourneyRecord {
  /** `event.type`; the event is `journey.<type>`. */
  readonly type: CoreEventType;
  /** `ts.monotonic`: seconds on tracer-core's `monotonicSeconds()` clock. */
  readonly ts: number;
  /** `scheduler.step` */
  readonly step: number;
  /** `phase` */
  readonly phase: JourneyPhase;
  /** `prefill.done_tokens`, a high-water mark. */
  readonly prefillDone: number;
  /** `prefill.total_tokens` */
  readonly prefillTotal: number;
  /** `decode.done_tokens` */
  readonly decodeDone: number;
  /** `decode.max_tokens` */
  readonly decodeMax: number;
  /** `num_preemptions` */
  readonly preemptions: number;
  /** `schedule.kind`, on SCHEDULED only. */
  readonly scheduleKind?: ScheduleKind;
  /** `finish.status`, on FINISHED only. */
  readonly finishStatus?: FinishStatus;
  /** On FINISHED only, when non-zero: events the recorder's budget did not record. */
  readonly droppedEvents?: number;
  /**
   * On FINISHED only: when the request was first scheduled and produced its first token,
   * so the latencies survive even when the event budget dropped those events.
   */
  readonly firstScheduledTs?: number;
  readonly firstTokenTs?: number;
}

/** The records one request produced since the last drain, oldest first. */
export interface LegacyRequestRecords {
  readonly requestId: string;
  readonly records: readonly LegacyJourneyRecord[];
}

/** What one drain hands to the engine to ship with the step's outputs. */
export type LegacyStepRecords = readonly LegacyRequestRecords[];

/** Shared by every empty drain, so a step with nothing to ship allocates nothing. */
export const EMPTY_STEP_RECORDS: LegacyStepRecords = Object.freeze([]);

const EVENT_TYPES: ReadonlySet<unknown> = new Set<CoreEventType>([
  "QUEUED",
  "SCHEDULED",
  "FIRST_TOKEN",
  "PREEMPTED",
  "FINISHED",
]);

/**
 * Records arrive from another thread or process; one that is not a record at all is
 * dropped rather than turned into a malformed event.
 */
export function isJourneyRecord(value: unknown): value is LegacyJourneyRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Partial<LegacyJourneyRecord>;
  return EVENT_TYPES.has(record.type) && Number.isFinite(record.ts);
}

/** The event name of a record: the same `journey.*` name the core span uses. */
export function eventName(record: LegacyJourneyRecord): string {
  return CoreEvent[record.type];
}

/** The event attributes of a record: the same keys and values as the core span's event. */
export function eventAttributes(record: LegacyJourneyRecord): Attributes {
  const attributes: Attributes = {
    [CoreAttr.EVENT_TYPE]: record.type,
    [CoreAttr.TS_MONOTONIC]: record.ts,
    [CoreAttr.SCHEDULER_STEP]: record.step,
    [CoreAttr.PHASE]: record.phase,
    [CoreAttr.PREFILL_DONE]: record.prefillDone,
    [CoreAttr.PREFILL_TOTAL]: record.prefillTotal,
    [CoreAttr.DECODE_DONE]: record.decodeDone,
    [CoreAttr.DECODE_MAX]: record.decodeMax,
    [CoreAttr.NUM_PREEMPTIONS]: record.preemptions,
  };
  if (record.scheduleKind !== undefined) attributes[CoreAttr.SCHEDULE_KIND] = record.scheduleKind;
  if (record.finishStatus !== undefined) attributes[CoreAttr.FINISH_STATUS] = record.finishStatus;
  return attributes;
}
