import { type AbortReason, abortReasonOf } from "./abort-reason.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";

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
 * the consumer stops early, even before its first `next()` (`client_disconnect`), or the
 * signal fires, even before iteration starts. The first item marks
 * `api.FIRST_RESPONSE_FROM_CORE`. Items and errors pass through unchanged.
 *
 * Given the no-op handle (tracing off or the request sampled out) there is nothing to
 * close: an async generator source is returned as it is, without a wrapper (its own
 * return value, if any, then reaches a consumer that reads it); any other source gets a
 * plain pass-through generator.
 */
export function traceStream<T>(
  handle: JourneyHandle,
  source: AsyncIterable<T> | Iterable<T>,
  options: TraceStreamOptions = {},
): AsyncGenerator<T, void, undefined> {
  if (handle === NOOP_JOURNEY_HANDLE) {
    return isAsyncGenerator(source)
      ? (source as AsyncGenerator<T, void, undefined>)
      : passThrough(source);
  }
  const stream = tracedStream(handle, source, options);
  // Runs the generator to its first `yield`, where it has registered the signal and
  // entered its `try`: from now on a `return()` or `throw()` that comes before the
  // consumer's first `next()` runs its `finally` (an async generator that has not
  // started would complete without running any of its body). The generator queues
  // the consumer's calls behind this one, so the consumer never sees the priming step.
  stream.next().then(undefined, () => {});
  return stream as AsyncGenerator<T, void, undefined>;
}

async function* tracedStream<T>(
  handle: JourneyHandle,
  source: AsyncIterable<T> | Iterable<T>,
  options: TraceStreamOptions,
): AsyncGenerator<T | undefined, void, undefined> {
  const { signal } = options;
  const onAbort = () => handle.aborted(signalReason(signal), signal?.reason);
  listen(signal, onAbort);
  let completed = false;
  try {
    // The priming step's stop: its value is never seen by the consumer.
    yield undefined;
    for await (const item of source) {
      handle.firstResponse();
      yield item;
    }
    completed = true;
  } catch (error) {
    handle.aborted((options.classifyError ?? abortReasonOf)(error), error);
    throw error;
  } finally {
    unlisten(signal, onAbort);
    // A consumer that stops iterating (`break`, `return()`) is a client that went away.
    if (completed) handle.departed();
    else handle.aborted("client_disconnect", "the consumer stopped reading the stream");
  }
}

/** Closes the journey when `signal` fires, or at once when it already has. */
function listen(signal: AbortSignal | undefined, onAbort: () => void): void {
  if (signal === undefined) return;
  try {
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  } catch {
    // A signal that cannot be listened to must not break the stream: the journey still
    // closes when the stream ends.
  }
}

function unlisten(signal: AbortSignal | undefined, onAbort: () => void): void {
  try {
    signal?.removeEventListener("abort", onAbort);
  } catch {
    // See listen().
  }
}

async function* passThrough<T>(source: AsyncIterable<T> | Iterable<T>) {
  for await (const item of source) yield item;
}

/** %AsyncGeneratorPrototype%, which every async generator object inherits from. */
const ASYNC_GENERATOR_PROTOTYPE: object = Object.getPrototypeOf(async function* () {}).prototype;

/** A native async generator object: what an `async function*` returns. */
function isAsyncGenerator(source: unknown): boolean {
  return (
    typeof source === "object" &&
    source !== null &&
    Object.prototype.isPrototypeOf.call(ASYNC_GENERATOR_PROTOTYPE, source)
  );
}

/** `timeout` when the signal was aborted by a timeout, else `client_disconnect`. */
export function signalReason(signal: AbortSignal | undefined): AbortReason {
  return abortReasonOf(signal?.reason, "client_disconnect") === "timeout"
    ? "timeout"
    : "client_disconnect";
}
