export type { CoreJourneyTracer, CoreLatencies } from "./core-tracer.js";
export {
  type CoreTracerOptions,
  createCoreTracer,
  DEFAULT_MAX_EVENTS_PER_SPAN,
} from "./create-core-tracer.js";
export { HookMisuseError, type HookMisuseKind } from "./hook-misuse.js";
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
  toOpenAiFinishReason,
} from "./journey-types.js";
export {
  JourneyWatchdog,
  resolveMaxJourneyAge,
  sweepIntervalMs,
  watchdogClosure,
} from "./journey-watchdog.js";
export { elapsedMicroseconds, monotonicSeconds } from "./monotonic-clock.js";
export { NoSdkReporter, type NoSdkReporterOptions } from "./no-sdk-reporter.js";
export { NOOP_CORE_TRACER } from "./noop-core-tracer.js";
export type { OpenCoreJourney } from "./open-journey.js";
export { isUnconfiguredGlobal, registeredTracer } from "./registered-tracer.js";
export { type CoreRequestView, requestIdOf } from "./request-view.js";
export { assertSampleRate, decideSampled } from "./sample-rate.js";
export { spanTime, wallClockAnchor } from "./span-time.js";
export {
  DEFAULT_MAX_LINKS_PER_STEP,
  DEFAULT_STEP_SAMPLE_RATE,
  type StepTracingOptions,
} from "./step-tracing-options.js";
export { STEP_SPAN_NAME, StepAttr, type StepSampleReason } from "./step-types.js";
export type { CoreBatchEntry, CoreStepView } from "./step-view.js";
export {
  createRateLimitedErrorHandler,
  describeError,
  type TracingErrorHandler,
} from "./tracing-error-reporter.js";
export {
  TracingNotice,
  type TracingNoticeCode,
  type TracingNoticeSeverity,
} from "./tracing-notice.js";
