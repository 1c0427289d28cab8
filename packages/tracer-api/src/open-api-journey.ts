import type { ApiEvent } from "./api-attributes.js";

/**
 * One journey the API layer has open, as `openJourneys()` lists it: read from the open
 * handles when the list is asked for. The engine's side (phase, progress, preemptions)
 * is the core tracer's `openJourneys()`; join the two on `requestId`.
 */
export interface OpenApiJourney {
  /** `gen_ai.request.id`. */
  readonly requestId: string;
  /** The `llm_request` span's trace and span ids ("" if the span cannot give them). */
  readonly traceId: string;
  readonly spanId: string;
  /** Milliseconds since `startJourney`, on the monotonic clock. */
  readonly ageMs: number;
  /** The latest event: `api.ARRIVED`, `api.HANDOFF_TO_CORE` or `api.FIRST_RESPONSE_FROM_CORE`. */
  readonly lastEvent: (typeof ApiEvent)[keyof typeof ApiEvent];
}
