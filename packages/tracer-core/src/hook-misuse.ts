import type { TracingErrorHandler } from "./tracing-error-reporter.js";

/** The ways an engine can call the core hooks wrongly, each reported once per tracer. */
export type HookMisuseKind =
  /** A request without `x-llm-journey-sampled`, and no `sampleRate` chosen for such requests. */
  | "missing-trace-headers"
  /** A hook for a request the API layer traced but the core does not know. */
  | "unknown-request"
  /** `requestScheduled` for a request already running: a RESUME without a preemption. */
  | "scheduled-while-running"
  /** `requestPreempted` for a request not running: never scheduled, or preempted twice. */
  | "preempted-while-not-running"
  /** `requestPreempted` called before the request's `preemptions` counter was raised. */
  | "stale-preemption-count"
  /** A finish status outside the five (possible from JavaScript). */
  | "invalid-finish-status";

/**
 * What `onError` receives when an engine calls the hooks in a way the journey cannot
 * follow. The message says what happened, to which request, and how to fix the call.
 */
export class HookMisuseError extends Error {
  override readonly name = "HookMisuseError";
  constructor(
    readonly kind: HookMisuseKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reports each kind of misuse the first time it happens and never again: a wrong call
 * is usually made for every request, and one line says all there is to fix. It keeps
 * nothing per request, and nothing is built unless a report is due.
 */
export class MisuseReporter {
  private readonly reported = new Set<HookMisuseKind>();

  constructor(private readonly onError: TracingErrorHandler) {}

  report(kind: HookMisuseKind, hook: string, message: () => string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    try {
      this.onError(new HookMisuseError(kind, message()), hook);
    } catch {
      // A handler that throws must not reach the engine.
    }
  }
}
