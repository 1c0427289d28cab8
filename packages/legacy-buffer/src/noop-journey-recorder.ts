import { NoopCoreTracer } from "@llm-journey/tracer-core/internal";
import { EMPTY_STEP_RECORDS, type LegacyStepRecords } from "./journey-record.js";
import type { LegacyJourneyRecorder } from "./journey-recorder.js";

/**
 * Legacy tracing off, or no tracer to build its spans: the core no-op's empty hooks,
 * nothing buffered, and every drain the same frozen empty array.
 */
class NoopLegacyRecorder extends NoopCoreTracer implements LegacyJourneyRecorder {
  readonly bufferedRecords = 0;

  drainStep(): LegacyStepRecords {
    return EMPTY_STEP_RECORDS;
  }
}

/** The one shared no-op legacy recorder. */
export const NOOP_LEGACY_RECORDER: LegacyJourneyRecorder = Object.freeze(new NoopLegacyRecorder());
