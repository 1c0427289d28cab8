import type { Attributes } from "@opentelemetry/api";

/** What `approximateJsonSize` reads: both an SDK span and a `JourneySpan` have it. */
export interface SizedSpan {
  readonly name: string;
  readonly status: { readonly message?: string | undefined };
  readonly attributes: Attributes;
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes?: Attributes }>;
}

/** The fixed part of a span in `/debug/journeys`: ids, times, kind, scope, status, keys. */
const SPAN_OVERHEAD = 400;
/** An event's name and time keys and values, beside its attributes. */
const EVENT_OVERHEAD = 60;
/** An attribute's quotes, colon and comma, beside its key and value. */
const ATTRIBUTE_OVERHEAD = 6;
/** A number or boolean written as JSON. */
const SCALAR_SIZE = 20;

/**
 * About how many characters the span takes in `/debug/journeys`' JSON: the lengths of its
 * strings, which are what can be large, plus a fixed cost per span, event and attribute.
 * Characters that JSON escapes (quotes, control characters) are counted once. Linear in
 * the span's attributes and events, which the SDK's span limits bound.
 */
export function approximateJsonSize(span: SizedSpan): number {
  let size =
    SPAN_OVERHEAD +
    span.name.length +
    (span.status.message?.length ?? 0) +
    attributesSize(span.attributes);
  for (const event of span.events) {
    size += EVENT_OVERHEAD + event.name.length + attributesSize(event.attributes);
  }
  return size;
}

function attributesSize(attributes: Attributes | undefined): number {
  let size = 0;
  for (const key in attributes) {
    size += ATTRIBUTE_OVERHEAD + key.length + valueSize(attributes[key]);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value === "string") return value.length + 2;
  if (Array.isArray(value)) {
    let size = 2;
    for (const item of value) size += valueSize(item) + 1;
    return size;
  }
  return SCALAR_SIZE;
}
