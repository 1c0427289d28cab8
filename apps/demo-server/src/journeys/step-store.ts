import type { ForwardedSpan, JourneySpan } from "../engine/engine-contract.js";

/**
 * The most recent `llm_step` spans, bounded: past `capacity` the oldest is dropped, so
 * the store's memory does not grow with the number of steps. Spans are kept as the JSON
 * text the engine sent and parsed when read; each span read has a `links` array, empty
 * when no traced request was in its batch.
 */
export class StepStore {
  /** Oldest first. */
  private readonly spans: Array<ForwardedSpan | JourneySpan> = [];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.spans.length;
  }

  add(span: ForwardedSpan): void {
    this.spans.push(span);
    // Steps are sampled and capped per second: moving a few hundred references is nothing.
    if (this.spans.length > this.capacity) this.spans.shift();
  }

  /** At most `limit` spans, the latest first. */
  recent(limit: number): JourneySpan[] {
    const result: JourneySpan[] = [];
    for (let at = this.spans.length - 1; at >= 0 && result.length < limit; at--) {
      result.push(this.parsed(at));
    }
    return result;
  }

  /** The span at `at` as a `JourneySpan`, parsed once and kept parsed. */
  private parsed(at: number): JourneySpan {
    const stored = this.spans[at] as ForwardedSpan | JourneySpan;
    if (!("json" in stored)) return stored;
    const span = JSON.parse(stored.json) as JourneySpan;
    span.links ??= [];
    this.spans[at] = span;
    return span;
  }
}
