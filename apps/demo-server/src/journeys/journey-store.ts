import type { Attributes } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { type JourneySpan, toJourneySpan } from "./journey-span.js";

/** One trace: the spans of one request, in the order they ended. */
export interface Journey {
  traceId: string;
  requestId: string | null;
  spans: JourneySpan[];
}

/** What `onFinishedSpan` listeners get: enough to derive metrics, whichever thread ended it. */
export interface FinishedSpan {
  readonly name: string;
  readonly attributes: Attributes;
}

/** A span kept as it arrived: the SDK's own object (this thread) is converted on read. */
type StoredSpan = JourneySpan | ReadableSpan;

interface StoredJourney {
  readonly traceId: string;
  readonly requestId: string | null;
  readonly spans: StoredSpan[];
}

/**
 * The most recent finished traces, bounded: the oldest trace is dropped past
 * `capacity`, so the store's memory does not grow with traffic. A trace moves to the
 * front whenever one of its spans arrives (the API and core spans end apart, and the
 * core's arrive from the engine thread).
 *
 * Spans ended on this thread are kept as the SDK's `ReadableSpan` and converted to
 * `JourneySpan` only when `recent()` reads them: at rate 1 every request ends one, and
 * most are evicted unread.
 */
export class JourneyStore {
  private readonly journeys = new Map<string, StoredJourney>();
  private readonly finishedListeners: Array<(span: FinishedSpan) => void> = [];
  private readonly spanListeners: Array<(span: JourneySpan) => void> = [];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.journeys.size;
  }

  /** Adds a converted span (the engine thread's, posted here). */
  add(span: JourneySpan): void {
    this.insert(span.traceId, span, span);
  }

  /** Adds an ended span of this thread's provider, converted only when read. */
  addEnded(span: ReadableSpan): void {
    // Listeners that want the converted span make the conversion eager.
    this.insert(
      span.spanContext().traceId,
      span,
      this.spanListeners.length > 0 ? toJourneySpan(span) : span,
    );
  }

  /** Newest first, converted. */
  recent(limit: number): Journey[] {
    const result: Journey[] = [];
    // A Map iterates oldest first: take the last `limit` entries.
    let skip = this.journeys.size - limit;
    for (const journey of this.journeys.values()) {
      if (skip-- > 0) continue;
      result.push({
        traceId: journey.traceId,
        requestId: journey.requestId,
        spans: converted(journey.spans),
      });
    }
    return result.reverse();
  }

  /** Called with every span as it arrives, unconverted (the metrics derive their histograms here). */
  onFinishedSpan(listener: (span: FinishedSpan) => void): void {
    if (!this.finishedListeners.includes(listener)) this.finishedListeners.push(listener);
  }

  /**
   * Called with every span as it arrives, as a `JourneySpan`. For checks such as the soak
   * test's: while one is registered, this thread's spans are converted as they end.
   */
  onSpan(listener: (span: JourneySpan) => void): void {
    if (!this.spanListeners.includes(listener)) this.spanListeners.push(listener);
  }

  private insert(traceId: string, span: FinishedSpan, stored: StoredSpan): void {
    const id = span.attributes["gen_ai.request.id"];
    const requestId = typeof id === "string" ? id : null;
    // One journey per request: requests sharing a client's trace id must not pile up in one entry.
    const key = requestId === null ? traceId : `${traceId}/${requestId}`;
    const journeys = this.journeys;
    let journey = journeys.get(key);
    if (journey === undefined) {
      journey = { traceId, requestId, spans: [stored] };
      if (journeys.size >= this.capacity) {
        journeys.delete(journeys.keys().next().value as string);
      }
    } else {
      journey.spans.push(stored);
      journeys.delete(key); // re-inserted below, as the newest
    }
    journeys.set(key, journey);
    for (const listener of this.finishedListeners) listener(span);
    if (this.spanListeners.length > 0) {
      for (const listener of this.spanListeners) listener(stored as JourneySpan);
    }
  }
}

/** The journey's spans as `JourneySpan`s; each SDK span is converted once and replaced. */
function converted(spans: StoredSpan[]): JourneySpan[] {
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as StoredSpan;
    if (isReadableSpan(span)) spans[i] = toJourneySpan(span);
  }
  return spans.slice() as JourneySpan[];
}

function isReadableSpan(span: StoredSpan): span is ReadableSpan {
  return typeof (span as Partial<ReadableSpan>).spanContext === "function";
}
