/**
 * Seconds on the process-wide monotonic clock. `process.hrtime` reads CLOCK_MONOTONIC,
 * which worker threads share, so readings from the API thread and the engine thread
 * can be compared; `performance.now()` has a different origin in every thread.
 */
export function monotonicSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/**
 * Whole microseconds from `from` to `to` (monotonic seconds), rounded down. A journey
 * keeps its times after its start this way: V8 stores a whole number (up to about 35
 * minutes of them) in the object's own field, where a fraction of a second takes a
 * 16-byte box of its own, for every time of every request in flight. Latencies are
 * differences of these: whole microseconds, never negative.
 */
export function elapsedMicroseconds(from: number, to: number): number {
  return Math.floor((to - from) * 1e6);
}
