import { monotonicSeconds } from "./monotonic-clock.js";

/** The longest pause between two sweeps, whatever the age limit. */
const MAX_SWEEP_INTERVAL_MS = 1_000;

/**
 * Validates `maxJourneyAgeMs` at construction: undefined or 0 means no watchdog, anything
 * else must be a finite number of milliseconds above 0. Returns the limit, or undefined
 * when the watchdog is off.
 */
export function resolveMaxJourneyAge(value: unknown, optionName: string): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `${optionName} must be a finite number of milliseconds >= 0 (0 = off), got ${String(value)}`,
    );
  }
  return value;
}

/** The pause between sweeps for an age limit: a quarter of it, at most one second. */
export function sweepIntervalMs(maxAgeMs: number): number {
  return Math.min(Math.max(maxAgeMs / 4, 1), MAX_SWEEP_INTERVAL_MS);
}

/**
 * One periodic sweep for a whole tracer, never a timer per request. The timer runs only
 * while journeys are open: `watch()` starts it when a journey opens, a sweep that leaves
 * nothing open stops it, and `stop()` (the tracer's shutdown) stops it at once. It is
 * unref'd, so it never keeps a process alive, and an idle tracer holds no timer at all.
 *
 * A journey is closed between `maxAgeMs` and `maxAgeMs + sweepIntervalMs(maxAgeMs)` after
 * it opened.
 */
export class JourneyWatchdog {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly maxAgeMs: number,
    /**
     * Closes every journey opened at or before `openedBefore` (monotonic seconds) and
     * says whether any journey is still open. Must not throw.
     */
    private readonly sweep: (openedBefore: number) => boolean,
  ) {}

  /** A journey opened: make sure the sweep runs. */
  watch(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), sweepIntervalMs(this.maxAgeMs));
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const stillOpen = this.sweep(monotonicSeconds() - this.maxAgeMs / 1000);
    if (!stillOpen) this.stop();
  }
}

/** The message reported through `onError` for each journey the watchdog closed. */
export function watchdogClosure(requestId: string, maxAgeMs: number): Error {
  return new Error(
    `journey of request ${requestId} was still open after ${maxAgeMs} ms: closed by the watchdog (a missing cleanup call?)`,
  );
}
