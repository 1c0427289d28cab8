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
  status: { code: keyof typeof SpanStatusCode; message?: string };
  attributes: Attributes;
  events: Array<{ name: string; timeUnixNano: string; attributes: Attributes }>;
}

/**
 * A plain, structured-clone-safe copy of a finished span: the engine thread posts these
 * to the HTTP thread, and the journey store keeps nothing else of the SDK's objects.
 */
export function toJourneySpan(span: ReadableSpan): JourneySpan {
  return {
    name: span.name,
    kind: SpanKind[span.kind] as keyof typeof SpanKind,
    scope: span.instrumentationScope.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    startTimeUnixNano: hrTimeToNanos(span.startTime),
    endTimeUnixNano: hrTimeToNanos(span.endTime),
    status: {
      code: SpanStatusCode[span.status.code] as keyof typeof SpanStatusCode,
      ...(span.status.message ? { message: span.status.message } : {}),
    },
    attributes: { ...span.attributes },
    events: span.events.map((event) => ({
      name: event.name,
      timeUnixNano: hrTimeToNanos(event.time),
      attributes: { ...(event.attributes ?? {}) },
    })),
  };
}

function hrTimeToNanos([seconds, nanos]: readonly [number, number]): string {
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();
}
