import { assertSampleRate } from "@llm-journey/tracer-core";
import { EMPTY_STEP_RECORDS } from "./journey-record.js";
import type { LegacyJourneyRecorder } from "./journey-recorder.js";

/**
 * Legacy tracing off, or no tracer to build its spans: every hook is an empty function,
 * nothing is buffered and every drain is the same frozen empty array. One shared instance.
 */
export const NOOP_LEGACY_RECORDER: LegacyJourneyRecorder = Object.freeze({
  enabled: false,
  get sampleRate(): number {
    return 0;
  },
  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
  },
  requestAdded() {},
  requestScheduled() {},
  requestProgressed() {},
  requestPreempted() {},
  requestFinished: () => undefined,
  stepFinished() {},
  shutdown() {},
  openJourneys: () => [],
  closedByWatchdog: 0,
  drainStep: () => EMPTY_STEP_RECORDS,
  activeSpans: 0,
  trackedEntries: 0,
  bufferedRecords: 0,
});
