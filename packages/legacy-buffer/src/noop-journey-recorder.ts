import type { CoreLatencies, OpenCoreJourney } from "@llm-journey/tracer-core";
import { assertSampleRate } from "@llm-journey/tracer-core/internal";
import { EMPTY_STEP_RECORDS, type LegacyStepRecords } from "./journey-record.js";
import type { LegacyJourneyRecorder } from "./journey-recorder.js";

/**
 * Legacy tracing off, or no tracer to build its spans: every hook is an empty function,
 * nothing is buffered and every drain is the same frozen empty array. A class, not an
 * object literal: V8 keeps a frozen literal with an accessor (`sampleRate`) in dictionary
 * mode, where every hook call is a hash lookup.
 */
class NoopLegacyRecorder implements LegacyJourneyRecorder {
  readonly enabled = false;
  readonly closedByWatchdog = 0;
  readonly activeSpans = 0;
  readonly trackedEntries = 0;
  readonly bufferedRecords = 0;

  /** Nothing is recorded whatever the rate; a rate set here is checked, then has no effect. */
  get sampleRate(): number {
    return 0;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
  }

  requestAdded(): void {}
  requestScheduled(): void {}
  requestProgressed(): void {}
  requestPreempted(): void {}
  requestFinished(): CoreLatencies | undefined {
    return undefined;
  }
  stepFinished(): void {}
  shutdown(): void {}
  openJourneys(): OpenCoreJourney[] {
    return [];
  }
  drainStep(): LegacyStepRecords {
    return EMPTY_STEP_RECORDS;
  }
}

/** The one shared no-op legacy recorder. */
export const NOOP_LEGACY_RECORDER: LegacyJourneyRecorder = Object.freeze(new NoopLegacyRecorder());
