export { type TracingErrorHandler, TracingNotice } from "@llm-journey/tracer-core";
export {
  ABORT_REASONS,
  type AbortReason,
  abortReasonOf,
  JourneyError,
} from "./abort-reason.js";
export { API_SPAN_NAME, API_TRACER_SCOPE, ApiAttr, ApiEvent } from "./api-attributes.js";
export type { ApiJourneyTracer, JourneyStart } from "./api-tracer.js";
export { type ApiTracerOptions, createApiTracer } from "./create-api-tracer.js";
export type {
  Content,
  CoreLatencies,
  JourneyHandle,
  RequestAttributes,
  Usage,
} from "./journey-handle.js";
export { NOOP_API_TRACER } from "./noop-api-tracer.js";
export { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
export type { OpenApiJourney } from "./open-api-journey.js";
export { type TracePromiseOptions, tracePromise } from "./trace-promise.js";
export { type TraceStreamOptions, traceStream } from "./trace-stream.js";
