import type { CoreEventName, JourneyPhase } from "./journey-types.js";

/**
 * One journey the core layer has open, as `openJourneys()` lists it: read from what the
 * tracer keeps for the request when the list is asked for, nothing recorded in advance.
 */
export interface OpenCoreJourney {
  /** `gen_ai.request.id`. */
  readonly requestId: string;
  /** The `llm_core` span's trace and span ids ("" if the span cannot give them). */
  readonly traceId: string;
  readonly spanId: string;
  /** Milliseconds since `requestAdded`, on the monotonic clock. */
  readonly ageMs: number;
  readonly phase: JourneyPhase;
  /** Prompt tokens computed (the high-water mark) and in the prompt. */
  readonly prefillDoneTokens: number;
  readonly prefillTotalTokens: number;
  /** Output tokens generated and the request's limit. */
  readonly decodeDoneTokens: number;
  readonly decodeMaxTokens: number;
  readonly preemptions: number;
  /** The latest journey event, and the scheduler step it happened at. */
  readonly lastEvent: CoreEventName;
  readonly lastEventStep: number;
}
