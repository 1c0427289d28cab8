import type { CoreJourneyTracer } from "@llm-journey/tracer-core";
import type { LegacyStepRecords } from "./journey-record.js";

/** Which API-side consumer a request's outputs go to; records are buffered per client. */
export type LegacyClientId = string | number;

/**
 * The scheduler side of the legacy path. It has the hooks of tracer-core's
 * `CoreJourneyTracer`, called at the same points of the scheduler loop (or beside the
 * core tracer through `dualJourneyTracer`), but instead of emitting span events it
 * buffers journey records until the engine drains them with a step's outputs.
 *
 * `requestFinished` is the scheduler side's one cleanup: it buffers FINISHED and drops
 * the request's entry; a second call does nothing. `shutdown` finishes every request in
 * flight as `aborted`. Buffered records leave only through `drainStep`, so the engine
 * drains after every step and once more after `shutdown`. No method throws.
 */
export interface LegacyJourneyRecorder extends CoreJourneyTracer {
  /**
   * Takes the records buffered since the last drain, grouped by request in the order the
   * requests first appear: one client's (`clientId`) or every client's (no argument).
   * Ship them with the step's outputs to the output side's `collectStep`.
   */
  drainStep(clientId?: LegacyClientId): LegacyStepRecords;
  /** Records buffered and not yet drained; 0 once the engine has drained an idle step. */
  readonly bufferedRecords: number;
}
