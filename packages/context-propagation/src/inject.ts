import { type Context, type SpanContext, trace } from "@opentelemetry/api";
import { copyHeaders, type HeaderMap, type OutgoingHeaders } from "./headers.js";
import { formatTraceparent, TRACEPARENT_HEADER } from "./traceparent.js";
import { formatTracestate, TRACESTATE_HEADER } from "./tracestate.js";

const TRACE_HEADERS = [TRACEPARENT_HEADER, TRACESTATE_HEADER];

/**
 * A new header map: the existing headers, with `traceparent` and `tracestate` (any
 * case) replaced by the span context in `context`, or removed when it holds no valid
 * one. The `traceparent` is version 00 with only the known flag bits; the `tracestate`
 * holds only valid members (see `formatTracestate`). Repeated values are combined into
 * one string. The input is not modified. Never throws.
 */
export function injectContext(headers: HeaderMap | undefined, context: Context): OutgoingHeaders {
  let spanContext: SpanContext | undefined;
  try {
    spanContext = trace.getSpanContext(context);
  } catch {
    // A context that cannot be read carries nothing to propagate.
  }
  return injectSpanContext(headers, spanContext);
}

/**
 * `injectContext` for a span context at hand (for example `span.spanContext()`): the
 * same map, without building a context only to read the span context back from it.
 */
export function injectSpanContext(
  headers: HeaderMap | undefined,
  spanContext: SpanContext | undefined,
): OutgoingHeaders {
  const merged = copyHeaders(headers, TRACE_HEADERS);
  if (spanContext === undefined) return merged;
  try {
    const traceparent = formatTraceparent(spanContext);
    if (traceparent === undefined) return merged;
    merged[TRACEPARENT_HEADER] = traceparent;
    const { traceState } = spanContext;
    const tracestate = traceState ? formatTracestate(traceState) : undefined;
    if (tracestate !== undefined) merged[TRACESTATE_HEADER] = tracestate;
  } catch {
    // A span context that cannot be read carries nothing to propagate.
  }
  return merged;
}
