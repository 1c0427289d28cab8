/** Why a request ended without success: the `reason` attribute of `api.ABORTED`. */
export type AbortReason =
  | "client_disconnect"
  | "validation_error"
  | "generation_error"
  | "engine_error"
  | "timeout"
  | "shutdown"
  | "exception"
  /** Closed by the tracer's watchdog: still open after `maxJourneyAgeMs`. */
  | "watchdog"
  /** Refused at admission: the server's queue or the connection's share of it is full. */
  | "overloaded";

/** Every `AbortReason`, in the order above. */
export const ABORT_REASONS: readonly AbortReason[] = [
  "client_disconnect",
  "validation_error",
  "generation_error",
  "engine_error",
  "timeout",
  "shutdown",
  "exception",
  "watchdog",
  "overloaded",
];

/**
 * An error that says which abort reason it stands for. Throw it from a stream or a
 * promise wrapped by `traceStream` / `tracePromise` to close the journey with that reason.
 */
export class JourneyError extends Error {
  override readonly name = "JourneyError";
  constructor(
    readonly reason: AbortReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The abort reason for an error: a `JourneyError`'s own, `timeout` for a TimeoutError,
 * `client_disconnect` for an AbortError, else `fallback`.
 */
export function abortReasonOf(error: unknown, fallback: AbortReason = "exception"): AbortReason {
  if (error instanceof JourneyError) return error.reason;
  if (error instanceof Error || (typeof error === "object" && error !== null)) {
    const name = (error as { name?: unknown }).name;
    if (name === "TimeoutError") return "timeout";
    if (name === "AbortError") return "client_disconnect";
  }
  return fallback;
}
