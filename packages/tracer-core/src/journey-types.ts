/**
 * The vocabulary of a journey, shared by every phase: the span events and attributes
 * stay the same when the legacy buffered path is removed, so they live here.
 */

/** Names of the events on the `llm_core` span, in the order a journey emits them. */
export const CoreEvent = {
  QUEUED: "journey.QUEUED",
  SCHEDULED: "journey.SCHEDULED",
  FIRST_TOKEN: "journey.FIRST_TOKEN",
  PREEMPTED: "journey.PREEMPTED",
  FINISHED: "journey.FINISHED",
} as const;
/** The name of an `llm_core` event: one of `CoreEvent`'s values. */
export type CoreEventName = (typeof CoreEvent)[keyof typeof CoreEvent];

/** `event.type`: the event name without its `journey.` prefix. */
export type CoreEventType = "QUEUED" | "SCHEDULED" | "FIRST_TOKEN" | "PREEMPTED" | "FINISHED";

/** Whether a request is scheduled for the first time or resumed after a preemption. */
export type ScheduleKind = "FIRST" | "RESUME";

/** Where a request is in its life when an event is emitted. */
export type JourneyPhase = "WAITING" | "PREFILL" | "DECODE";

/** `finish.status` of `journey.FINISHED`. */
export type FinishStatus = "stopped" | "length" | "aborted" | "ignored" | "error";
/** Every `FinishStatus`, in the order above. */
export const FINISH_STATUSES: readonly FinishStatus[] = [
  "stopped",
  "length",
  "aborted",
  "ignored",
  "error",
];

/**
 * Maps a finish status to the OpenAI `finish_reason` a server reports to its client,
 * or `undefined` when the request did not finish normally.
 */
export function toOpenAiFinishReason(status: FinishStatus): "stop" | "length" | undefined {
  if (status === "stopped") return "stop";
  if (status === "length") return "length";
  return undefined;
}

/** The core span's name. */
export const CORE_SPAN_NAME = "llm_core";
/** The core layer's tracer scope (of `llm_core` and `llm_step`): the API layer uses its own. */
export const CORE_TRACER_SCOPE = "llm-journey.scheduler";

/** Span and event attribute keys written by the core layer. */
export const CoreAttr = {
  REQUEST_ID: "gen_ai.request.id",
  EVENT_TYPE: "event.type",
  TS_MONOTONIC: "ts.monotonic",
  SCHEDULER_STEP: "scheduler.step",
  PHASE: "phase",
  PREFILL_DONE: "prefill.done_tokens",
  PREFILL_TOTAL: "prefill.total_tokens",
  DECODE_DONE: "decode.done_tokens",
  DECODE_MAX: "decode.max_tokens",
  NUM_PREEMPTIONS: "num_preemptions",
  SCHEDULE_KIND: "schedule.kind",
  FINISH_STATUS: "finish.status",
  DROPPED_EVENTS: "journey.dropped_events",
  /** `watchdog` on a journey closed because it outlived `maxJourneyAgeMs`. */
  CLOSED_BY: "journey.closed_by",
  LATENCY_TIME_IN_QUEUE: "gen_ai.latency.time_in_queue",
  LATENCY_PREFILL: "gen_ai.latency.time_in_model_prefill",
  LATENCY_DECODE: "gen_ai.latency.time_in_model_decode",
  LATENCY_INFERENCE: "gen_ai.latency.time_in_model_inference",
} as const;
