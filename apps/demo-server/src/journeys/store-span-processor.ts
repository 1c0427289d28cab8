import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { toJourneySpan } from "./journey-span.js";
import type { JourneyStore } from "./journey-store.js";

/** Puts every ended span of this thread into the journey store, synchronously. */
export class StoreSpanProcessor implements SpanProcessor {
  constructor(private readonly store: JourneyStore) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    this.store.add(toJourneySpan(span));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
