/**
 * The names of the legacy stream. The span is named like the API layer's (it is the
 * `llm_request` span the buffered path always built); its own scope tells the two
 * streams apart in dual mode.
 */
export const LEGACY_SPAN_NAME = "llm_request";
/** The legacy stream's tracer scope. */
export const LEGACY_TRACER_SCOPE = "llm-journey.legacy";

/**
 * Span attribute keys the legacy span writes beyond tracer-core's `CoreAttr`: the two
 * latencies measured from the request's arrival rather than from the scheduler.
 */
export const LegacyAttr = {
  LATENCY_TIME_TO_FIRST_TOKEN: "gen_ai.latency.time_to_first_token",
  LATENCY_E2E: "gen_ai.latency.e2e",
} as const;
