import { isValidSpanId, isValidTraceId, type SpanContext } from "@opentelemetry/api";
import { trimOws } from "./headers.js";

/** The W3C Trace Context header naming the parent span. */
export const TRACEPARENT_HEADER = "traceparent";

/** The fields of a valid `traceparent`. */
export interface Traceparent {
  readonly traceId: string;
  readonly spanId: string;
  /** The whole flags byte, the Level 2 random-trace-id bit included. */
  readonly traceFlags: number;
}

/** No valid header comes close; longer values are rejected before any regex work. */
const MAX_LENGTH = 512;
/** version-00 length: 2 + 1 + 32 + 1 + 16 + 1 + 2. */
const FIELDS_LENGTH = 55;
const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/;

/**
 * Parses a `traceparent` by Trace Context Level 2: lowercase hex only, version `ff`
 * invalid, version `00` exactly 55 characters, a later version at least 55 with a `-`
 * after the known fields (whatever follows is ignored), non-zero ids. Surrounding
 * spaces and tabs are trimmed. Anything else yields undefined.
 */
export function parseTraceparent(value: string): Traceparent | undefined {
  if (value.length > MAX_LENGTH) return undefined;
  const header = trimOws(value);
  const match = FIELDS.exec(header);
  if (match === null) return undefined;
  const [, version, traceId = "", spanId = "", flags = ""] = match;
  if (version === "ff") return undefined;
  if (version === "00" ? header.length !== FIELDS_LENGTH : !futureTail(header)) return undefined;
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}

function futureTail(header: string): boolean {
  return header.length === FIELDS_LENGTH || header[FIELDS_LENGTH] === "-";
}

/**
 * Formats a version-00 `traceparent`, or undefined when the span context is not valid.
 * Ids are lowercased because the OpenTelemetry validators accept uppercase hex, which
 * the header forbids.
 */
export function formatTraceparent(spanContext: SpanContext): string | undefined {
  const { traceId, spanId, traceFlags } = spanContext;
  if (typeof traceId !== "string" || typeof spanId !== "string") return undefined;
  const trace = traceId.toLowerCase();
  const span = spanId.toLowerCase();
  if (!isValidTraceId(trace) || !isValidSpanId(span)) return undefined;
  const flags = (Number(traceFlags) & 0xff).toString(16).padStart(2, "0");
  return `00-${trace}-${span}-${flags}`;
}
