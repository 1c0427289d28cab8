import { isValidSpanId, isValidTraceId } from "@opentelemetry/api";

/** The fields of a valid W3C `traceparent`. */
export interface Traceparent {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

/** Longer values are rejected before any parsing work. */
const MAX_LENGTH = 512;
const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/;

/**
 * Parses a `traceparent` by Trace Context Level 2: lowercase hex only, version `ff`
 * invalid, version `00` exactly 55 characters, a later version at least 55 with a `-`
 * after the known fields. Anything else yields undefined.
 */
export function parseTraceparent(value: string): Traceparent | undefined {
  if (value.length > MAX_LENGTH) return undefined;
  const header = value.trim();
  const match = FIELDS.exec(header);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (version === "ff") return undefined;
  if (version === "00" ? header.length !== 55 : header.length > 55 && header[55] !== "-") {
    return undefined;
  }
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}

/** Formats a version-00 `traceparent`. */
export function formatTraceparent(parent: Traceparent): string {
  const flags = (parent.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${parent.traceId}-${parent.spanId}-${flags}`;
}
