import { assertSampleRate } from "./sample-rate.js";

/** Options of `llm_step` spans: which scheduler steps are kept, and how many links each may hold. */
export interface StepTracingOptions {
  /** Share of steps kept, in [0, 1]. Default: 0.01. */
  sampleRate?: number;
  /**
   * A step at least this long, in milliseconds, is kept whatever the rate. Default: none.
   * A step with a preemption is always kept.
   */
  slowMs?: number;
  /**
   * Links one step span may hold, to the `llm_core` spans of traced requests in its batch.
   * Past it the rest are counted in `scheduler.links_dropped`. Keep it at most your SDK's
   * `linkCountLimit` (128 by default), which drops the oldest links silently. Default: 128.
   */
  maxLinks?: number;
  /**
   * Steps the rate may keep per second, at most; steps kept for a preemption or for being
   * slow do not count and are always kept. A rate is a share of steps, so an engine whose
   * steps take microseconds (thousands a second) keeps hundreds of spans a second at 0.01;
   * this bounds what they cost, whatever the step frequency. Default: no limit.
   */
  maxPerSecond?: number;
}

/** Share of scheduler steps kept when `steps.sampleRate` is not given. */
export const DEFAULT_STEP_SAMPLE_RATE = 0.01;
export const DEFAULT_MAX_LINKS_PER_STEP = 128;

/** Step tracing as the core tracer runs it: every option present and valid. */
export interface StepTracingSettings {
  readonly sampleRate: number;
  /** `Infinity` when no threshold was given: no step is ever slow. */
  readonly slowMs: number;
  readonly maxLinks: number;
  /** `Infinity` when no limit was given. */
  readonly maxPerSecond: number;
}

/**
 * Validates the `steps` option of `createCoreTracer`; `undefined` when step spans are off.
 * A mistake throws here, naming the option.
 */
export function resolveStepTracing(
  options: StepTracingOptions | false | undefined,
): StepTracingSettings | undefined {
  if (options === false) return undefined;
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`steps must be an options object or false, got ${String(options)}`);
  }
  const sampleRate = options?.sampleRate ?? DEFAULT_STEP_SAMPLE_RATE;
  assertSampleRate(sampleRate, "steps.sampleRate");
  const slowMs = options?.slowMs;
  if (
    slowMs !== undefined &&
    (typeof slowMs !== "number" || !Number.isFinite(slowMs) || slowMs <= 0)
  ) {
    throw new RangeError(`steps.slowMs must be a finite number > 0, got ${String(slowMs)}`);
  }
  const maxLinks = options?.maxLinks ?? DEFAULT_MAX_LINKS_PER_STEP;
  if (!Number.isSafeInteger(maxLinks) || maxLinks < 0) {
    throw new RangeError(`steps.maxLinks must be an integer >= 0, got ${String(maxLinks)}`);
  }
  const maxPerSecond = options?.maxPerSecond ?? Number.POSITIVE_INFINITY;
  if (typeof maxPerSecond !== "number" || Number.isNaN(maxPerSecond) || maxPerSecond < 0) {
    throw new RangeError(`steps.maxPerSecond must be a number >= 0, got ${String(maxPerSecond)}`);
  }
  return { sampleRate, slowMs: slowMs ?? Number.POSITIVE_INFINITY, maxLinks, maxPerSecond };
}
