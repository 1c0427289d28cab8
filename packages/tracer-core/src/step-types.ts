// The vocabulary of scheduler step spans. Scope: `llm-journey.scheduler`.

/** The name of a scheduler step's span. */
export const STEP_SPAN_NAME = "llm_step";

/** Why a step was kept. */
export type StepSampleReason = "preemption" | "slow" | "rate";

/** Attribute keys of `llm_step` spans and of their links. */
export const StepAttr = {
  /** The iteration counter, as on the core events. */
  STEP: "scheduler.step",
  /** Seconds from the step's start to `stepFinished`. */
  DURATION: "scheduler.step_duration",
  NUM_RUNNING: "scheduler.num_running",
  NUM_WAITING: "scheduler.num_waiting",
  /** Requests that computed tokens in the step, traced or not. */
  BATCH_SIZE: "scheduler.batch.size",
  BATCH_PREFILL_TOKENS: "scheduler.batch.prefill_tokens",
  BATCH_DECODE_SEQS: "scheduler.batch.decode_seqs",
  KV_BLOCKS_USED: "scheduler.kv_blocks.used",
  KV_BLOCKS_TOTAL: "scheduler.kv_blocks.total",
  /** Requests evicted in this step (not the running total of any request). */
  NUM_PREEMPTIONS: "scheduler.num_preemptions",
  SAMPLE_REASON: "scheduler.sample_reason",
  /** Traced requests of the batch not linked because the cap was reached. */
  LINKS_DROPPED: "scheduler.links_dropped",
  /** On each link: the linked request's id. */
  LINK_REQUEST_ID: "gen_ai.request.id",
  /** On each link: tokens the request computed in the step. */
  LINK_TOKENS: "scheduler.request.tokens",
  /** On each link: `PREFILL` or `DECODE`. */
  LINK_PHASE: "phase",
} as const;
