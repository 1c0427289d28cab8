import { type AbortReason, abortReasonOf } from "./abort-reason.js";
import type { JourneyHandle } from "./journey-handle.js";

export interface TraceStreamOptions {
  /**
   * Aborted when the client goes away (for example from the response's `close` event).
   * The journey closes at that moment with `client_disconnect` (`timeout` when the
   * signal's reason is a TimeoutError), even while the source is still waiting.
   */
  signal?: AbortSignal;
  /**
   * The reason for an error the source throws. Default: `abortReasonOf(error)`: a
   * `JourneyError`'s own reason (throw `new JourneyError("generation_error", …)` for a
   * failed generation), else `exception`.
   */
  classifyError?: (error: unknown) => AbortReason;
}

/**
 * Wraps a streaming response so its journey closes exactly once, however it ends:
 * the source completes (`api.DEPARTED`), throws (`api.ABORTED` with the error's reason),
 * the consumer stops early (`client_disconnect`), or the signal fires. The first item
 * marks `api.FIRST_RESPONSE_FROM_CORE`. Items and errors pass through unchanged.
 */
export async function* traceStream<T>(
  handle: JourneyHandle,
  source: AsyncIterable<T> | Iterable<T>,
  options: TraceStreamOptions = {},
): AsyncGenerator<T, void, undefined> {
  const { signal } = options;
  const onAbort = () => handle.aborted(signalReason(signal), signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  let completed = false;
  try {
    for await (const item of source) {
      handle.firstResponse();
      yield item;
    }
    completed = true;
  } catch (error) {
    handle.aborted((options.classifyError ?? abortReasonOf)(error), error);
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // A consumer that stops iterating (`break`, `return()`) is a client that went away.
    if (completed) handle.departed();
    else handle.aborted("client_disconnect", "the consumer stopped reading the stream");
  }
}

/** `timeout` when the signal was aborted by a timeout, else `client_disconnect`. */
export function signalReason(signal: AbortSignal | undefined): AbortReason {
  return abortReasonOf(signal?.reason, "client_disconnect") === "timeout"
    ? "timeout"
    : "client_disconnect";
}
