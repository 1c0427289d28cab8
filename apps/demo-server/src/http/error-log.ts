import { LRUCache } from "lru-cache";

/** How often one kind of failure is logged at most: once per interval. */
const DEFAULT_INTERVAL_MS = 10_000;
/** Kinds remembered at once; the set is small (a status and an error code), this only bounds it. */
const MAX_KINDS = 256;

/**
 * Error logs limited per kind, so that a burst of failures (a hundred timeouts under load)
 * writes one line per kind and interval instead of one stack trace each. The first of a
 * kind in an interval is logged with how many of that kind were suppressed since the one
 * before; the others are only counted.
 */
export class ErrorLogLimiter {
  /** Past `MAX_KINDS`, the kind logged longest ago is forgotten. */
  private readonly kinds = new LRUCache<string, { loggedAt: number; suppressed: number }>({
    max: MAX_KINDS,
  });
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Whether this failure of `kind` is to be logged: then how many of its kind were
   * suppressed since the last one logged; else undefined, and it is counted.
   */
  admit(kind: string): { suppressed: number } | undefined {
    const at = this.now();
    // Read without counting as a use: only a kind logged again moves up.
    const seen = this.kinds.peek(kind);
    if (seen !== undefined && at - seen.loggedAt < this.intervalMs) {
      seen.suppressed++;
      return undefined;
    }
    this.kinds.set(kind, { loggedAt: at, suppressed: 0 });
    return { suppressed: seen?.suppressed ?? 0 };
  }
}
