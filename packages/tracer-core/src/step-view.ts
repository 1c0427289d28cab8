import type { CoreRequestView } from "./request-view.js";

/** One request's share of a scheduler step. */
export interface CoreBatchEntry {
  /** The request, as its other hooks receive it. */
  readonly request: CoreRequestView;
  /** Tokens computed for it in the step: a prefill chunk, or 1 for a decode. */
  readonly tokens: number;
  /** Whether those tokens were prompt (or recompute after a preemption) or output. */
  readonly phase: "PREFILL" | "DECODE";
}

/**
 * The read-only view of one scheduler iteration that `stepFinished` reads. The scheduler
 * usually passes an object it builds for the step anyway (its plan of the batch). The
 * counts are read on every call; `batch` is read only when the step is kept, so a
 * dropped step never walks it.
 */
export interface CoreStepView {
  /** The iteration counter, as passed to the request hooks (`scheduler.step`). */
  readonly step: number;
  /**
   * `performance.now()` when the step began, before scheduling. The step's span starts
   * there and ends when `stepFinished` is called.
   */
  readonly startedAt: number;
  /** Requests in the running batch after scheduling. */
  readonly running: number;
  /** Requests left waiting after scheduling (preempted ones included). */
  readonly waiting: number;
  /** Prompt tokens computed in the step, recompute after a preemption included. */
  readonly prefillTokens: number;
  /** Sequences that decoded one token in the step. */
  readonly decodeSeqs: number;
  /** Requests evicted while scheduling the step. */
  readonly preemptions: number;
  /** KV cache blocks in use after scheduling; omit it for an engine without a paged cache. */
  readonly kvBlocksUsed?: number | undefined;
  /** KV cache blocks in all. */
  readonly kvBlocksTotal?: number | undefined;
  /** The requests that computed tokens in the step, in any order. */
  readonly batch: Iterable<CoreBatchEntry>;
}
