import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** One span as `/debug/journeys` returns it. Times are decimal strings of nanoseconds. */
export interface JourneySpan {
  name: string;
  kind: keyof typeof SpanKind;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /**
   * The documented JSON has both keys: the server always sends `message`, `""` when the span has
   * none. Optional in the type only so that captures made before that still type-check.
   */
  status: { code: keyof typeof SpanStatusCode; message: string };
  attributes: Attributes;
  events: Array<{ name: string; timeUnixNano: string; attributes: Attributes }>;
  /** The span's links, when it has any (an `llm_step` span's links to `llm_core` spans). */
  links?: JourneySpanLink[];
}

/**
 * An ended span on its way from the engine thread: what the HTTP thread files it by and
 * derives metrics from, and the whole span as `JourneySpan` JSON text, parsed only when
 * read. One string crosses the thread boundary instead of a graph of objects to clone,
 * and the store keeps that string: it costs the collector almost nothing to hold, and its
 * length is its size in `/debug/journeys`.
 */
export interface ForwardedSpan {
  readonly name: string;
  readonly traceId: string;
  /** The span's own attributes (not its events'), shared with `json`'s content. */
  readonly attributes: Attributes;
  /** `JSON.stringify` of the span's `JourneySpan`. */
  readonly json: string;
}

/** The engine side: one ended span as a `ForwardedSpan`. */
export function toForwardedSpan(span: ReadableSpan): ForwardedSpan {
  return forwarded(toJourneySpan(span));
}

/** A converted span as a `ForwardedSpan`: its text, and what files it, shared with it. */
export function forwarded(span: JourneySpan): ForwardedSpan {
  return {
    name: span.name,
    traceId: span.traceId,
    attributes: span.attributes,
    json: JSON.stringify(span),
  };
}

/** One link of a span: the linked span's ids and the link's own attributes. */
export interface JourneySpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/**
 * A plain, structured-clone-safe copy of a finished span. The engine thread converts its
 * spans to post them to the HTTP thread; the HTTP thread's own spans are converted only
 * when `/debug/journeys` reads them.
 *
 * Attribute objects are shared with the span, not copied: an ended span no longer changes,
 * and the copy is only serialized (by structured clone or JSON).
 */
export function toJourneySpan(span: ReadableSpan): JourneySpan {
  const context = span.spanContext();
  const events: JourneySpan["events"] = new Array(span.events.length);
  for (let i = 0; i < events.length; i++) {
    const event = span.events[i] as ReadableSpan["events"][number];
    events[i] = {
      name: event.name,
      timeUnixNano: hrTimeToNanos(event.time),
      attributes: event.attributes ?? {},
    };
  }
  const converted: JourneySpan = {
    name: span.name,
    kind: SpanKind[span.kind] as keyof typeof SpanKind,
    scope: span.instrumentationScope.name,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    startTimeUnixNano: hrTimeToNanos(span.startTime),
    endTimeUnixNano: hrTimeToNanos(span.endTime),
    status: {
      code: SpanStatusCode[span.status.code] as keyof typeof SpanStatusCode,
      message: span.status.message ?? "",
    },
    attributes: span.attributes,
    events,
  };
  if (span.links.length > 0) {
    converted.links = span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: link.attributes ?? {},
    }));
  }
  return converted;
}

/** Nanoseconds since the epoch as a decimal string: too large for a double to hold exactly. */
export function hrTimeToNanos([seconds, nanos]: readonly [number, number]): string {
  // The SDK's normal form, by string concatenation: a BigInt here measurably costs more.
  if (
    Number.isSafeInteger(seconds) &&
    seconds > 0 &&
    Number.isInteger(nanos) &&
    nanos >= 0 &&
    nanos < 1_000_000_000
  ) {
    return `${seconds}${`${nanos}`.padStart(9, "0")}`;
  }
  return (BigInt(Math.trunc(seconds)) * 1_000_000_000n + BigInt(Math.trunc(nanos))).toString();
}
