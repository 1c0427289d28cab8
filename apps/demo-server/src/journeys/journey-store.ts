import type { Attributes } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { LRUCache } from "lru-cache";
import type { ForwardedSpan, JourneySpan } from "../engine/engine-contract.js";
import { toJourneySpan } from "../engine/journey-span.js";
import { approximateJsonSize } from "./span-size.js";

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

/**
 * A span kept as it arrived, converted on read: the SDK's own object (this thread), or
 * the engine thread's JSON text.
 */
type StoredSpan = JourneySpan | ReadableSpan | ForwardedSpan;

interface StoredJourney {
  readonly traceId: string;
  readonly requestId: string | null;
  readonly spans: StoredSpan[];
  /** About how many characters its spans take in `/debug/journeys`' JSON. */
  size: number;
}

/** The store's default bound in bytes: 64 MiB of JSON at most, whatever the spans hold. */
export const DEFAULT_JOURNEY_STORE_MAX_BYTES = 64 * 1024 * 1024;

export interface JourneyStoreOptions {
  /**
   * Traces are dropped, oldest first, while the store's spans would take more than this
   * many bytes of JSON (approximately; a character counted as a byte). A trace larger
   * than the whole bound is not kept. Default: `DEFAULT_JOURNEY_STORE_MAX_BYTES`.
   */
  readonly maxBytes?: number;
}

/**
 * The most recent finished traces, bounded: the oldest trace is dropped past
 * `capacity` traces or past `maxBytes` of JSON, so the store's memory does not grow with
 * traffic, and `/debug/journeys` can always serialize what it holds. A trace moves to the
 * front whenever one of its spans arrives (the API and core spans end apart, and the
 * core's arrive from the engine thread): a least-recently-used cache, by entries and size.
 *
 * Spans ended on this thread are kept as the SDK's `ReadableSpan`, and the engine
 * thread's as the JSON text they came in; both become `JourneySpan`s only when `recent()`
 * reads them: at rate 1 every request ends two, and most are evicted unread.
 */
export class JourneyStore {
  private readonly journeys: LRUCache<string, StoredJourney>;
  private readonly finishedListeners: Array<(span: FinishedSpan) => void> = [];
  private readonly spanListeners: Array<(span: JourneySpan) => void> = [];

  constructor(capacity: number, options: JourneyStoreOptions = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    const maxBytes = options.maxBytes ?? DEFAULT_JOURNEY_STORE_MAX_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`maxBytes must be a positive integer, got ${options.maxBytes}`);
    }
    // A trace larger than `maxBytes` on its own is not kept (the cache's `maxEntrySize`).
    const sizeCalculation = (journey: StoredJourney) => Math.max(1, Math.ceil(journey.size));
    this.journeys = new LRUCache({ max: capacity, maxSize: maxBytes, sizeCalculation });
  }

  /** Traces held. */
  get size(): number {
    return this.journeys.size;
  }

  /** About how many bytes of JSON the held spans take; at most `maxBytes`. */
  get bytes(): number {
    return this.journeys.calculatedSize;
  }

  /** Adds a span of the engine thread, as posted here: its JSON text is parsed only when read. */
  add(span: ForwardedSpan): void {
    this.insert(
      span.traceId,
      span,
      this.spanListeners.length > 0 ? (JSON.parse(span.json) as JourneySpan) : span,
    );
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
    // The cache iterates newest first, without changing the order.
    for (const { traceId, requestId, spans } of this.journeys.values()) {
      if (result.length >= limit) break;
      result.push({ traceId, requestId, spans: converted(spans) });
    }
    return result;
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
    const size = isForwarded(stored) ? stored.json.length : approximateJsonSize(stored);
    const id = span.attributes["gen_ai.request.id"];
    const requestId = typeof id === "string" ? id : null;
    // One journey per request: requests sharing a client's trace id must not pile up in one entry.
    const key = requestId === null ? traceId : `${traceId}/${requestId}`;
    const journey = this.journeys.get(key) ?? { traceId, requestId, spans: [], size: 0 };
    journey.spans.push(stored);
    journey.size += size;
    // As the newest, its size counted again; the oldest traces go while the bounds are passed.
    this.journeys.set(key, journey);
    for (const listener of this.finishedListeners) listener(span);
    for (const listener of this.spanListeners) listener(stored as JourneySpan);
  }
}

/** The journey's spans as `JourneySpan`s; each stored span is converted once and replaced. */
function converted(spans: StoredSpan[]): JourneySpan[] {
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as StoredSpan;
    if (isReadableSpan(span)) spans[i] = toJourneySpan(span);
    else if (isForwarded(span)) spans[i] = JSON.parse(span.json) as JourneySpan;
  }
  return spans.slice() as JourneySpan[];
}

function isForwarded(span: StoredSpan): span is ForwardedSpan {
  return typeof (span as Partial<ForwardedSpan>).json === "string";
}

function isReadableSpan(span: StoredSpan): span is ReadableSpan {
  return typeof (span as Partial<ReadableSpan>).spanContext === "function";
}
