/**
 * Seconds on the process-wide monotonic clock. `process.hrtime` reads CLOCK_MONOTONIC,
 * which worker threads share, so readings from the API thread and the engine thread
 * can be compared; `performance.now()` has a different origin in every thread.
 */
export function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}
