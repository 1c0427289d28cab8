import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { ForwardedSpan, JourneySpan } from "./engine-contract.js";

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
