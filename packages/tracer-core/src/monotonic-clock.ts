/**
 * Milliseconds from this thread's `performance.now()` origin to the origin of
 * `process.hrtime`. Both read the same monotonic clock (libuv's), so the difference is
 * constant; it is measured once, between two `performance.now()` readings as close
 * together as a few tries give (error: half their gap, well under a microsecond).
 */
function performanceToHrtimeMs(): number {
  let gap = Number.POSITIVE_INFINITY;
  let offset = 0;
  for (let i = 0; i < 16; i++) {
    const before = performance.now();
    const hrtimeMs = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < gap) {
      gap = after - before;
      offset = hrtimeMs - (before + after) / 2;
    }
  }
  return offset;
}

const OFFSET_SECONDS = performanceToHrtimeMs() / 1000;

/**
 * Seconds on the process-wide monotonic clock (`process.hrtime`'s), which worker threads
 * share, so readings from the API thread and the engine thread can be compared. Read
 * through `performance.now()`, whose origin differs in every thread, plus that thread's
 * offset: a third cheaper than `process.hrtime.bigint()`, which allocates a BigInt, and
 * read about ten times per traced journey.
 */
export function monotonicSeconds(): number {
  return performance.now() / 1000 + OFFSET_SECONDS;
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
