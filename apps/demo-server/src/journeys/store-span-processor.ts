import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { JourneyStore } from "./journey-store.js";

/**
 * Puts every ended span of this thread into the journey store, synchronously and as is:
 * the store converts it only if `/debug/journeys` reads it.
 */
export class StoreSpanProcessor implements SpanProcessor {
  constructor(private readonly store: JourneyStore) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    this.store.addEnded(span);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
