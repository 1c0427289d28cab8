import { type Context, isSpanContextValid, trace } from "@opentelemetry/api";
import { TRACEPARENT_HEADER, TRACESTATE_HEADER } from "./extract.js";
import { copyHeadersWithout, type HeaderMap, type OutgoingHeaders } from "./headers.js";
import { formatTraceparent } from "./traceparent.js";

const TRACE_HEADERS = [TRACEPARENT_HEADER, TRACESTATE_HEADER];

/**
 * A new header map: the existing headers, with `traceparent` and `tracestate` (any case)
 * replaced by the span context in `context`, or removed when it holds none. The input is
 * not modified. Never throws.
 */
export function injectContext(headers: HeaderMap | undefined, context: Context): OutgoingHeaders {
  const merged = copyHeadersWithout(headers, TRACE_HEADERS);
  try {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined || !isSpanContextValid(spanContext)) return merged;
    merged[TRACEPARENT_HEADER] = formatTraceparent(spanContext);
    const tracestate = spanContext.traceState?.serialize();
    if (tracestate) merged[TRACESTATE_HEADER] = tracestate;
  } catch {
    // A span context that cannot be read is no context: propagate nothing.
  }
  return merged;
}
