import { HookMisuseError } from "./hook-misuse.js";
import { TracingNotice } from "./tracing-notice.js";

/**
 * Receives every run-time tracing failure (an `Error`, or whatever was thrown), hook
 * misuse (a `HookMisuseError`) and notices that are not failures (a `TracingNotice`).
 * It must not throw.
 */
export type TracingErrorHandler = (error: unknown, operation: string) => void;

const DEFAULT_INTERVAL_MS = 60_000;

/**
 * A handler that logs the first failure and then at most one line per interval, with a
 * count of what it suppressed: a broken exporter or provider fails on every span, and a
 * log line per span would cost more than the tracing. A `HookMisuseError` and a
 * `TracingNotice` are always logged, as what they are: the tracers send each kind once,
 * and a busy exporter must not hide them.
 */
export function createRateLimitedErrorHandler(
  options: { intervalMs?: number; log?: (message: string) => void; now?: () => number } = {},
): TracingErrorHandler {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const log = options.log ?? ((message: string) => console.warn(message));
  const now = options.now ?? Date.now;
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error, operation) => {
    try {
      if (error instanceof HookMisuseError) {
        log(`[llm-journey] ${operation} misused: ${error.message}`);
        return;
      }
      if (error instanceof TracingNotice) {
        log(`[llm-journey] ${error.severity} from ${operation} (${error.code}): ${error.message}`);
        return;
      }
      const at = now();
      if (at - lastLoggedAt < intervalMs) {
        suppressed++;
        return;
      }
      const more = suppressed > 0 ? ` (${suppressed} similar failures suppressed)` : "";
      lastLoggedAt = at;
      suppressed = 0;
      log(`[llm-journey] tracing failed in ${operation}: ${describeError(error)}${more}`);
    } catch {
      // A logger that throws must not reach the caller either.
    }
  };
}

/** A one-line message for an error, never a stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return "unprintable error";
  }
}
