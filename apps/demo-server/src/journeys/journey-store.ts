import type { JourneySpan } from "./journey-span.js";

/** One trace: the spans of one request, in the order they ended. */
export interface Journey {
  traceId: string;
  requestId: string | null;
  spans: JourneySpan[];
}

/**
 * The most recent finished traces, bounded: the oldest trace is dropped past
 * `capacity`, so the store's memory does not grow with traffic. A trace moves to the
 * front whenever one of its spans arrives (the API and core spans end apart, and the
 * core's arrive from the engine thread).
 */
export class JourneyStore {
  private readonly journeys = new Map<string, Journey>();
  private readonly listeners = new Set<(span: JourneySpan) => void>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.journeys.size;
  }

  add(span: JourneySpan): void {
    const requestId =
      typeof span.attributes["gen_ai.request.id"] === "string"
        ? span.attributes["gen_ai.request.id"]
        : null;
    // One journey per request: requests sharing a client's trace id must not pile up in one entry.
    const key = `${span.traceId}/${requestId ?? ""}`;
    const journey = this.journeys.get(key) ?? { traceId: span.traceId, requestId, spans: [] };
    this.journeys.delete(key);
    journey.spans.push(span);
    this.journeys.set(key, journey);
    if (this.journeys.size > this.capacity) {
      const oldest = this.journeys.keys().next().value as string;
      this.journeys.delete(oldest);
    }
    for (const listener of this.listeners) listener(span);
  }

  /** Newest first. */
  recent(limit: number): Journey[] {
    const all = [...this.journeys.values()];
    return all.slice(Math.max(0, all.length - limit)).reverse();
  }

  /** Called with every span as it arrives (the metrics derive their histograms here). */
  onSpan(listener: (span: JourneySpan) => void): void {
    this.listeners.add(listener);
  }
}
