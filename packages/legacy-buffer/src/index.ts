export {
  createLegacyJourneyRecorder,
  DEFAULT_LEGACY_CLIENT,
  type LegacyRecorderOptions,
} from "./create-journey-recorder.js";
export {
  createLegacySpanBuilder,
  type LegacySpanBuilderOptions,
} from "./create-legacy-span-builder.js";
export { dualJourneyTracer } from "./dual-journey-tracer.js";
export type {
  LegacyJourneyRecord,
  LegacyRequestRecords,
  LegacyStepRecords,
} from "./journey-record.js";
export type { LegacyClientId, LegacyJourneyRecorder } from "./journey-recorder.js";
export { LEGACY_SPAN_NAME, LEGACY_TRACER_SCOPE, LegacyAttr } from "./legacy-names.js";
export type {
  LegacyBeginOptions,
  LegacyCompleteOptions,
  LegacySpanBuilder,
} from "./legacy-span-builder.js";
export { NOOP_LEGACY_RECORDER } from "./noop-journey-recorder.js";
export { NOOP_LEGACY_SPAN_BUILDER } from "./noop-legacy-span-builder.js";
