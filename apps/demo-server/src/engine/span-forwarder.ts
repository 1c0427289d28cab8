import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { ForwardedSpan } from "./engine-contract.js";
import { toForwardedSpan } from "./journey-span.js";

export interface SpanForwarderOptions {
  /** Receives each batch; in the worker it posts a `spans` message. */
  readonly send: (spans: ForwardedSpan[]) => void;
  /** Longest time an ended span waits for its batch to go. Default: 20 ms. */
  readonly maxDelayMs?: number;
  /** Receives failures of `send` or of the conversion; they never reach the engine. */
  readonly onError: (error: unknown, operation: string) => void;
}

/**
 * A span processor that converts each ended span to a `ForwardedSpan` (its `JourneySpan`
 * as JSON text) and sends them in batches: the engine flushes once per scheduler step,
 * and a short timer catches spans that end between steps (aborts, shutdown). Never one
 * message per span.
 */
export class SpanForwarder implements SpanProcessor {
  private batch: ForwardedSpan[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly maxDelayMs: number;

  constructor(private readonly options: SpanForwarderOptions) {
    this.maxDelayMs = options.maxDelayMs ?? 20;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    try {
      this.batch.push(toForwardedSpan(span));
      // One timer at a time, left armed across step flushes: at full load the engine
      // steps thousands of times a second, and a timer per step costs more than the
      // rare empty wake-up.
      this.timer ??= setTimeout(this.onTimer, this.maxDelayMs);
    } catch (error) {
      this.options.onError(error, "SpanForwarder.onEnd");
    }
  }

  /** Sends what is pending, if anything. */
  flush(): void {
    if (this.batch.length === 0) return;
    const spans = this.batch;
    this.batch = [];
    try {
      this.options.send(spans);
    } catch (error) {
      this.options.onError(error, "SpanForwarder.flush");
    }
  }

  forceFlush(): Promise<void> {
    this.flush();
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
    return Promise.resolve();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };
}
