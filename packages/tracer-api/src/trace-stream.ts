import { type AbortReason, abortReasonOf, JourneyError } from "./abort-reason.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import { recordBeforeDeparted } from "./record-before-departed.js";

/** How `traceStream` closes a journey around a streamed response. */
export interface TraceStreamOptions<R = unknown> {
  /**
   * Aborted when the client goes away (for example from the response's `close` event).
   * At that moment the journey closes with `client_disconnect` (`timeout` when the
   * signal's reason is a TimeoutError), the source is told to stop (its `return()`), and
   * the consumer's loop ends with a `JourneyError` of that reason, even while the source
   * is still waiting. Traced or not: the signal decides how the stream ends.
   */
  signal?: AbortSignal;
  /**
   * The reason for an error the source throws. Default: `abortReasonOf(error)`: a
   * `JourneyError`'s own reason (throw `new JourneyError("generation_error", …)` for a
   * failed generation), else `exception`.
   */
  classifyError?: (error: unknown) => AbortReason;
  /**
   * Records what is only known at the end, such as usage and finish reasons, on the
   * still-open journey: called with the source's return value when it completes, just
   * before `api.DEPARTED`. Not called for a request that is not traced (there is nothing
   * to record on) or whose journey already closed. A throw from it is reported to the
   * tracer's `onError`; the stream still succeeds.
   */
  beforeDeparted?: (returned: R) => void;
}

/**
 * Wraps a streaming response so its journey closes exactly once, however it ends:
 * the source completes (`api.DEPARTED`), throws (`api.ABORTED` with the error's reason),
 * the consumer stops early, even before its first `next()` (`client_disconnect`), or the
 * signal fires, even before iteration starts. The first item marks
 * `api.FIRST_RESPONSE_FROM_CORE`. Items, errors and the source's return value pass
 * through unchanged.
 *
 * When the consumer stops early or the signal fires, the source is told to stop through
 * its `return()`, as `for await` does: an async generator then runs its `finally`. One
 * that is busy in an `await` at that moment stops when that `await` settles (the language
 * queues `return()` behind the step in progress), so pass it the signal too if it can wait
 * long. A source without `return()` is simply no longer read. On the signal, the
 * consumer's loop ends without waiting for the source either way.
 *
 * Given the no-op handle (tracing off or the request sampled out) and no signal there is
 * nothing to do: an async generator source is returned as it is, without a wrapper. The
 * return value reaches a consumer that reads it either way.
 */
export function traceStream<T, R = undefined>(
  handle: JourneyHandle,
  source: AsyncIterable<T, R> | Iterable<T, R>,
  options: TraceStreamOptions<R> = {},
): AsyncGenerator<T, R, undefined> {
  if (handle === NOOP_JOURNEY_HANDLE && options.signal === undefined && isAsyncGenerator(source)) {
    return source as AsyncGenerator<T, R, undefined>;
  }
  return new GuardedStream(handle, source, options);
}

/**
 * The stream `traceStream` returns: the source's own iterator behind the journey's
 * hooks, with the signal able to end it between items or while the source is waiting.
 * Written as an iterator rather than an async generator: it costs one promise per item,
 * where a generator's own machinery cost more than the rest of a sampled-out request.
 */
class GuardedStream<T, R> implements AsyncGenerator<T, R, undefined> {
  private readonly iterator: AsyncIterator<T, R> | undefined;
  private readonly notIterable: { error: unknown } | undefined;
  /**
   * True once the stream completed, failed, was left or was cancelled: the journey is
   * closed and the source must not be read or told to stop again.
   */
  private ended = false;
  private cancelled: JourneyError | undefined;
  /** The `next()` calls waiting for the source, which the signal rejects at once. */
  private readonly waiting: ((error: unknown) => void)[] = [];
  private readonly onAbort = () => this.cancel();

  constructor(
    private readonly handle: JourneyHandle,
    source: AsyncIterable<T, R> | Iterable<T, R>,
    private readonly options: TraceStreamOptions<R>,
  ) {
    // Taken now, so a signal that fires before the first `next()` can stop the source; a
    // source that is not iterable fails the first `next()`.
    try {
      this.iterator = iteratorOf(source);
    } catch (error) {
      this.notIterable = { error };
    }
    listen(options.signal, this.onAbort);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, R>> {
    if (this.cancelled !== undefined) return Promise.reject(this.cancelled);
    if (this.ended) return Promise.resolve({ done: true, value: undefined as R });
    const iterator = this.iterator;
    if (iterator === undefined) {
      const error = this.notIterable?.error;
      this.fail(error);
      return Promise.reject(error);
    }
    if (this.options.signal === undefined) {
      try {
        return iterator.next().then(this.onStep, this.onFailure);
      } catch (error) {
        return this.onFailure(error);
      }
    }
    return new Promise<IteratorResult<T, R>>((resolve, reject) => {
      this.waiting.push(reject);
      const settled = () => {
        const index = this.waiting.indexOf(reject);
        if (index < 0) return false; // the signal already ended this call
        this.waiting.splice(index, 1);
        return true;
      };
      iterator.next().then(
        (step) => {
          if (settled()) resolve(this.onStep(step));
        },
        (error: unknown) => {
          if (!settled()) return;
          this.fail(error);
          reject(error);
        },
      );
    });
  }

  /** The consumer stops reading (`break`, `return()`): a client that went away. */
  async return(value?: R | PromiseLike<R>): Promise<IteratorResult<T, R>> {
    const returned = (await value) as R;
    if (this.ended) return { done: true, value: returned };
    this.end();
    this.handle.aborted("client_disconnect", "the consumer stopped reading the stream");
    // As `for await` does: wait for the source's `finally`; its failure is the consumer's.
    await this.iterator?.return?.();
    return { done: true, value: returned };
  }

  /** The consumer throws into the stream: the journey closes with that error's reason. */
  async throw(error: unknown): Promise<IteratorResult<T, R>> {
    if (this.ended) throw error;
    this.end();
    this.handle.aborted((this.options.classifyError ?? abortReasonOf)(error), error);
    try {
      await this.iterator?.return?.();
    } catch {
      // The error thrown in wins, as with `for await`.
    }
    throw error;
  }

  private readonly onStep = (step: IteratorResult<T, R>): IteratorResult<T, R> => {
    if (this.ended) return step;
    if (step.done === true) {
      this.end();
      recordBeforeDeparted(this.handle, this.options.beforeDeparted, step.value);
      this.handle.departed();
    } else {
      this.handle.firstResponse();
    }
    return step;
  };

  /** The source failed: it has ended, so it is not told to stop. */
  private readonly onFailure = (error: unknown): Promise<never> => {
    this.fail(error);
    return Promise.reject(error);
  };

  private fail(error: unknown): void {
    if (this.ended) return;
    this.end();
    this.handle.aborted((this.options.classifyError ?? abortReasonOf)(error), error);
  }

  /** The signal fired: close the journey, tell the source to stop, end the waiting calls. */
  private cancel(): void {
    if (this.ended) return;
    this.end();
    const { signal } = this.options;
    const reason = signalReason(signal);
    this.handle.aborted(reason, signal?.reason);
    const cancelled = new JourneyError(
      reason,
      reason === "timeout" ? "request timed out" : "request cancelled",
      { cause: signal?.reason },
    );
    this.cancelled = cancelled;
    if (this.iterator !== undefined) stopSource(this.iterator);
    for (const reject of this.waiting.splice(0)) reject(cancelled);
  }

  private end(): void {
    this.ended = true;
    unlisten(this.options.signal, this.onAbort);
  }
}

/** The source's async iterator; a sync iterable is read as `for await` reads it. */
function iteratorOf<T, R>(source: AsyncIterable<T, R> | Iterable<T, R>): AsyncIterator<T, R> {
  const asyncIterator = (source as AsyncIterable<T, R>)[Symbol.asyncIterator];
  if (typeof asyncIterator === "function") return asyncIterator.call(source);
  return fromSync(source as Iterable<T, R>);
}

/** Reads a sync iterable as `for await` does (awaiting each value), return value included. */
async function* fromSync<T, R>(source: Iterable<T, R>): AsyncGenerator<T, R, undefined> {
  return yield* source;
}

/** Tells a source to stop without waiting for it: it may be busy in an `await`. */
function stopSource<T, R>(iterator: AsyncIterator<T, R>): void {
  try {
    iterator.return?.().then(undefined, () => {
      // Its own cleanup failed after the request was cancelled: nobody is left to tell.
    });
  } catch {
    // A `return()` that throws at once: the same.
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
