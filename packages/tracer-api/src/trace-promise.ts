import { type AbortReason, abortReasonOf, JourneyError } from "./abort-reason.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import { recordBeforeDeparted } from "./record-before-departed.js";
import { signalReason } from "./trace-stream.js";

/** How `tracePromise` closes a journey around a non-streaming request. */
export interface TracePromiseOptions<T = unknown> {
  /** Aborted when the client goes away or the caller cancels: closes with `client_disconnect`. */
  signal?: AbortSignal;
  /** Closes the journey with `timeout` and rejects after this many milliseconds. */
  timeoutMs?: number;
  /** The reason for a rejection. Default: `abortReasonOf(error, "exception")`. */
  classifyError?: (error: unknown) => AbortReason;
  /**
   * Records what is only known at the end, such as usage and finish reasons, on the
   * still-open journey: called with the result when the work resolves, just before
   * `api.DEPARTED`. Not called for a request that is not traced (there is nothing to
   * record on) or whose journey already closed. A throw from it is reported to the
   * tracer's `onError`; the promise still resolves.
   */
  beforeDeparted?: (result: T) => void;
}

/**
 * Wraps a non-streaming response so its journey closes exactly once: resolution
 * (`api.DEPARTED`), rejection (`api.ABORTED` with the error's reason), cancellation
 * through the signal, or the timeout. On cancel or timeout the returned promise rejects
 * with a `JourneyError` at once; the work itself is not stopped: use the same signal for it.
 *
 * Given the no-op handle (tracing off or the request sampled out) and neither `signal`
 * nor `timeoutMs`, there is nothing to do: the work's own promise is returned, not a
 * wrapper. With a signal or a timeout it is still wrapped, since they change how the
 * returned promise settles whether or not the request is traced.
 */
export function tracePromise<T>(
  handle: JourneyHandle,
  work: Promise<T> | (() => Promise<T>),
  options: TracePromiseOptions<T> = {},
): Promise<T> {
  const { signal, timeoutMs } = options;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be a positive number, got ${String(timeoutMs)}`);
  }
  if (handle === NOOP_JOURNEY_HANDLE && signal === undefined && timeoutMs === undefined) {
    return untraced(work);
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const fail = (reason: AbortReason, error: unknown) => {
      settle();
      handle.aborted(reason, error);
      reject(error);
    };
    const onAbort = () => {
      const reason = signalReason(signal);
      fail(
        reason,
        new JourneyError(reason, reason === "timeout" ? "request timed out" : "request cancelled", {
          cause: signal?.reason,
        }),
      );
    };
    if (signal?.aborted) {
      // Observe work that was passed in already running, so its rejection is never unhandled.
      if (typeof work !== "function") work.then(undefined, () => {});
      return onAbort();
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () => fail("timeout", new JourneyError("timeout", `no response within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }
    let pending: Promise<T>;
    try {
      pending = typeof work === "function" ? work() : work;
    } catch (error) {
      return fail((options.classifyError ?? abortReasonOf)(error), error);
    }
    pending.then(
      (value) => {
        settle();
        handle.firstResponse();
        recordBeforeDeparted(handle, options.beforeDeparted, value);
        handle.departed();
        resolve(value);
      },
      (error: unknown) => fail((options.classifyError ?? abortReasonOf)(error), error),
    );
  });
}

/** The work's promise as it is; a function that throws gives a rejection, as when traced. */
function untraced<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
  if (typeof work !== "function") return work;
  try {
    return work();
  } catch (error) {
    return Promise.reject(error);
  }
}
