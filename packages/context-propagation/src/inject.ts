import { type Context, type SpanContext, trace } from "@opentelemetry/api";
import { copyHeaders, type HeaderMap, type OutgoingHeaders } from "./headers.js";
import type { SAMPLED_HEADER } from "./sampled-header.js";
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

/**
 * The headers a traced request carries to the engine core: the span context's
 * `traceparent` (and `tracestate`) and `x-llm-journey-sampled: 1`. The same map as
 * `withSampledHeader(injectSpanContext(undefined, spanContext), true)`, built as one
 * object literal without the copies: it is built for every traced request and lives as
 * long as the request, so its size counts.
 */
export function injectSampledSpanContext(spanContext: SpanContext | undefined): OutgoingHeaders {
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  try {
    if (spanContext !== undefined) traceparent = formatTraceparent(spanContext);
    const traceState = traceparent === undefined ? undefined : spanContext?.traceState;
    if (traceState) tracestate = formatTracestate(traceState);
  } catch {
    // A span context that cannot be read carries nothing to propagate.
  }
  if (traceparent === undefined) return { "x-llm-journey-sampled": "1" };
  // Literal keys, so V8 gives the map exactly two fields (checked against the constants).
  const headers: OutgoingHeaders = { traceparent, "x-llm-journey-sampled": "1" } satisfies Record<
    typeof TRACEPARENT_HEADER | typeof SAMPLED_HEADER,
    string
  >;
  if (tracestate !== undefined) headers[TRACESTATE_HEADER] = tracestate;
  return headers;
}
