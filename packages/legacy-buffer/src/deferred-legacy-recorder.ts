import { DeferredCoreTracer } from "@llm-journey/tracer-core/internal";
import type { LegacyStepRecords } from "./journey-record.js";
import type { LegacyClientId, LegacyJourneyRecorder } from "./journey-recorder.js";

/**
 * A recorder given the global provider before the application registered its SDK: it
 * waits as the core tracer does (tracer-core's `DeferredLayer`), but says nothing itself
 * (the output side, which builds the spans, says when there is no SDK).
 */
export class DeferredLegacyRecorder
  extends DeferredCoreTracer<LegacyJourneyRecorder>
  implements LegacyJourneyRecorder
{
  get bufferedRecords(): number {
    return this.current.bufferedRecords;
  }

  /** The buffered path has no step spans: nothing to wait for. */
  override stepFinished(): void {}

  drainStep(clientId?: LegacyClientId): LegacyStepRecords {
    return this.current.drainStep(clientId);
  }
}
