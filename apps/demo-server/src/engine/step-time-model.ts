/**
 * How long one simulated scheduler step takes. The engine has no GPU: it waits this long
 * after each step, so queueing, batching and preemption show realistic shapes on a laptop.
 *
 * `stepMs = baseMs + prefillTokens * perPrefillTokenMs + decodeSeqs * perDecodeSeqMs`
 */
export interface StepTimeModel {
  /** Fixed cost of any step: reading the weights once and launching the kernels. */
  readonly baseMs: number;
  /** Cost of each prompt token computed in the step (prefill is compute-bound). */
  readonly perPrefillTokenMs: number;
  /** Cost of each sequence decoding one token in the step (its KV cache is read). */
  readonly perDecodeSeqMs: number;
}

/** What one step computed, as the step-time model needs it. */
export interface StepWork {
  /** Prompt tokens computed, including tokens recomputed after a preemption. */
  readonly prefillTokens: number;
  /** Sequences that decoded one token. */
  readonly decodeSeqs: number;
}

/**
 * Roughly a 7B model in 16-bit weights on one datacenter GPU: about 6 ms per step to
 * stream ~14 GB of weights, ~50k prompt tokens/s of prefill (0.02 ms each) and 0.15 ms
 * per decoding sequence for its KV reads. A full 512-token prefill step takes ~16 ms;
 * 16 sequences decoding take ~8.4 ms per token, about 120 tokens/s each.
 */
export const DEFAULT_STEP_TIME: StepTimeModel = Object.freeze({
  baseMs: 6,
  perPrefillTokenMs: 0.02,
  perDecodeSeqMs: 0.15,
});

/** No simulated time at all: steps run back to back. For tests. */
export const FAST_STEP_TIME: StepTimeModel = Object.freeze({
  baseMs: 0,
  perPrefillTokenMs: 0,
  perDecodeSeqMs: 0,
});

/** Simulated duration of a step in milliseconds. */
export function stepDurationMs(model: StepTimeModel, work: StepWork): number {
  return (
    model.baseMs +
    work.prefillTokens * model.perPrefillTokenMs +
    work.decodeSeqs * model.perDecodeSeqMs
  );
}
