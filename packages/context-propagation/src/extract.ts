import { type Context, ROOT_CONTEXT, type SpanContext, trace } from "@opentelemetry/api";
import { type HeaderMap, headerValues } from "./headers.js";
import { parseTraceparent, TRACEPARENT_HEADER } from "./traceparent.js";
import { parseTracestate, TRACESTATE_HEADER } from "./tracestate.js";

/**
 * The remote span context carried by `traceparent` and `tracestate`, or undefined when
 * there is no valid `traceparent` (a repeated one is invalid). An invalid `tracestate`
 * is dropped and the parent kept. Never throws.
 */
export function extractSpanContext(headers: HeaderMap | undefined): SpanContext | undefined {
  try {
    const parents = headerValues(headers, TRACEPARENT_HEADER);
    if (parents?.length !== 1) return undefined;
    const parent = parseTraceparent(parents[0] as string);
    if (parent === undefined) return undefined;
    const states = headerValues(headers, TRACESTATE_HEADER);
    const traceState = states === undefined ? undefined : parseTracestate(states);
    return traceState === undefined
      ? { ...parent, isRemote: true }
      : { ...parent, isRemote: true, traceState };
  } catch {
    // Defensive only: the parsers do not throw on any string.
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
  const base = options?.base ?? ROOT_CONTEXT;
  const spanContext = extractSpanContext(headers);
  if (spanContext === undefined) return base;
  try {
    return trace.setSpanContext(base, spanContext);
  } catch {
    // A `base` that is not a Context cannot hold the span; fall back to the root.
    return trace.setSpanContext(ROOT_CONTEXT, spanContext);
  }
}
