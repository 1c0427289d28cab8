export type { CoreJourneyTracer, CoreLatencies } from "./core-tracer.js";
export {
  type CoreTracerOptions,
  createCoreTracer,
  DEFAULT_MAX_EVENTS_PER_SPAN,
} from "./create-core-tracer.js";
export { HookMisuseError } from "./hook-misuse.js";
export {
  CORE_SPAN_NAME,
  CORE_TRACER_SCOPE,
  CoreAttr,
  CoreEvent,
  type CoreEventName,
  type CoreEventType,
  FINISH_STATUSES,
  type FinishStatus,
  type JourneyPhase,
  type ScheduleKind,
} from "./journey-types.js";
export { monotonicSeconds } from "./monotonic-clock.js";
export { NOOP_CORE_TRACER } from "./noop-core-tracer.js";
export type { OpenCoreJourney } from "./open-journey.js";
export type { CoreRequestView } from "./request-view.js";
export { DEFAULT_STEP_SAMPLE_RATE, type StepTracingOptions } from "./step-tracing-options.js";
export { STEP_SPAN_NAME, StepAttr } from "./step-types.js";
export type { CoreBatchEntry, CoreStepView } from "./step-view.js";
export {
  createRateLimitedErrorHandler,
  type TracingErrorHandler,
} from "./tracing-error-reporter.js";
export { TracingNotice } from "./tracing-notice.js";
