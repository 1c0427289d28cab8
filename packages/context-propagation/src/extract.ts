import { type Context, ROOT_CONTEXT, type SpanContext, trace } from "@opentelemetry/api";
import { type HeaderMap, headerValues } from "./headers.js";
import { parseTraceparent } from "./traceparent.js";
import { parseTracestate } from "./tracestate.js";

export const TRACEPARENT_HEADER = "traceparent";
export const TRACESTATE_HEADER = "tracestate";

/**
 * The remote span context carried by the headers, or undefined when there is no valid
 * `traceparent`. A repeated `traceparent` is invalid. Never throws.
 */
export function extractSpanContext(headers: HeaderMap | undefined): SpanContext | undefined {
  try {
    const parents = headerValues(headers, TRACEPARENT_HEADER);
    if (parents.length !== 1) return undefined;
    const parent = parseTraceparent(parents[0] as string);
    if (parent === undefined) return undefined;
    const traceState = parseTracestate(headerValues(headers, TRACESTATE_HEADER));
    return { ...parent, isRemote: true, ...(traceState ? { traceState } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * `base` (default: the root context) with the headers' remote span context set, or
 * `base` unchanged when the headers carry none. Invalid input is ignored, never thrown.
 */
export function extractContext(
  headers: HeaderMap | undefined,
  options: { base?: Context } = {},
): Context {
  const base = options.base ?? ROOT_CONTEXT;
  const spanContext = extractSpanContext(headers);
  return spanContext === undefined ? base : trace.setSpanContext(base, spanContext);
}
