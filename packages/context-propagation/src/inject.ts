import { type Context, trace } from "@opentelemetry/api";
import { copyHeaders, type HeaderMap, type OutgoingHeaders } from "./headers.js";
import { formatTraceparent, TRACEPARENT_HEADER } from "./traceparent.js";
import { parseTracestate, TRACESTATE_HEADER } from "./tracestate.js";

const TRACE_HEADERS = [TRACEPARENT_HEADER, TRACESTATE_HEADER];

/**
 * A new header map: the existing headers, with `traceparent` and `tracestate` (any
 * case) replaced by the span context in `context`, or removed when it holds no valid
 * one. Repeated values are combined into one string. The input is not modified. Never
 * throws.
 */
export function injectContext(headers: HeaderMap | undefined, context: Context): OutgoingHeaders {
  const merged = copyHeaders(headers, TRACE_HEADERS);
  try {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined) return merged;
    const traceparent = formatTraceparent(spanContext);
    if (traceparent === undefined) return merged;
    merged[TRACEPARENT_HEADER] = traceparent;
    const tracestate = spanContext.traceState?.serialize();
    // A TraceState built with set() is not validated; send only what a strict reader keeps.
    if (typeof tracestate === "string" && parseTracestate([tracestate]) !== undefined) {
      merged[TRACESTATE_HEADER] = tracestate;
    }
  } catch {
    // A context or span context that cannot be read carries nothing to propagate.
  }
  return merged;
}
