import type { SpanContext } from "@opentelemetry/api";
import { trimOws } from "./headers.js";

/** The W3C Trace Context header naming the parent span. */
export const TRACEPARENT_HEADER = "traceparent";

/** The fields of a valid `traceparent`. */
export interface Traceparent {
  readonly traceId: string;
  readonly spanId: string;
  /** The flag bits version `00` defines (see `KNOWN_FLAGS`); reserved bits are always zero. */
  readonly traceFlags: number;
}

/**
 * The flag bits version `00` defines: sampled (`0x01`) and, since Level 2, random trace
 * id (`0x02`). The others are reserved and must be zero on output; they are dropped on
 * input too, so that no writer, ours or another propagator, passes them on.
 */
export const KNOWN_FLAGS = 0x03;
/**
 * A later version may append fields, and pass-through services are told to expect larger
 * values and refuse only prohibitively large ones. 8192 characters is about the per-field
 * limit of common HTTP servers and proxies, so a longer value is prohibitively large. The
 * fields read are the first 55 characters and one more: the cost does not grow with it.
 */
const MAX_LENGTH = 8192;
/** version-00 length: 2 + 1 + 32 + 1 + 16 + 1 + 2. */
const FIELDS_LENGTH = 55;
/** `test` only: a match with captures would build an array and four strings per call. */
const FIELDS = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/;
/** A version-00 header as `formatTraceparent` writes it. */
const FORMATTED = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/;
const INVALID_TRACE_ID = "0".repeat(32);
const INVALID_SPAN_ID = "0".repeat(16);
/** The flags field for every value of the known bits. */
const FLAGS_FIELD = ["00", "01", "02", "03"];

/**
 * Parses a `traceparent` by Trace Context Level 2: lowercase hex only, version `ff`
 * invalid, version `00` exactly 55 characters, a later version read by its first 55
 * characters, which must be followed by the end or a `-` (whatever follows is ignored),
 * non-zero ids. Surrounding spaces and tabs are trimmed. Anything else, or a value over
 * 8192 characters, yields undefined.
 */
export function parseTraceparent(value: string): Traceparent | undefined {
  if (value.length > MAX_LENGTH) return undefined;
  const header = trimOws(value);
  if (!FIELDS.test(header)) return undefined;
  const version = header.slice(0, 2);
  if (version === "ff") return undefined;
  if (version === "00" ? header.length !== FIELDS_LENGTH : !futureTail(header)) return undefined;
  const traceId = header.slice(3, 35);
  const spanId = header.slice(36, 52);
  // FIELDS already checked the lowercase hex: only the all-zero ids remain invalid.
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
  // The known bits sit in the last hex digit; reading it builds no string.
  return { traceId, spanId, traceFlags: hexDigit(header.charCodeAt(54)) & KNOWN_FLAGS };
}

function futureTail(header: string): boolean {
  return header.length === FIELDS_LENGTH || header[FIELDS_LENGTH] === "-";
}

/** The value of a lowercase hex digit already checked by FIELDS. */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

/**
 * Formats a version-00 `traceparent`, or undefined when the span context is not valid.
 * Ids are lowercased because the OpenTelemetry validators accept uppercase hex, which
 * the header forbids. Only the known flag bits are written, whatever `traceFlags` holds.
 */
export function formatTraceparent(spanContext: SpanContext): string | undefined {
  const { traceId, spanId, traceFlags } = spanContext;
  if (typeof traceId !== "string" || typeof spanId !== "string") return undefined;
  // The header as written is checked whole, once: its fixed positions check each id's
  // length, and SDK ids, lowercase already, need no copy.
  let header = `00-${traceId}-${spanId}-${FLAGS_FIELD[Number(traceFlags) & KNOWN_FLAGS]}`;
  if (!FORMATTED.test(header)) {
    header = header.toLowerCase();
    if (!FORMATTED.test(header)) return undefined;
  }
  if (header.startsWith(INVALID_TRACE_ID, 3) || header.startsWith(INVALID_SPAN_ID, 36)) {
    return undefined;
  }
  return header;
}
