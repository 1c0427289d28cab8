import type { LegacySpanBuilder } from "./legacy-span-builder.js";

/** Legacy tracing off: every method is an empty function and nothing is kept. One shared instance. */
export const NOOP_LEGACY_SPAN_BUILDER: LegacySpanBuilder = Object.freeze({
  enabled: false,
  begin() {},
  collect() {},
  collectStep() {},
  complete() {},
  shutdown() {},
  activeSpans: 0,
  trackedEntries: 0,
  bufferedRecords: 0,
});
