/**
 * Names written on the `llm_request` span. The GenAI names are those of the OpenTelemetry
 * semantic conventions (a test keeps them equal to `@opentelemetry/semantic-conventions`);
 * they are copied here because a library may depend on nothing but `@opentelemetry/api`
 * at run time.
 */
export const ApiAttr = {
  REQUEST_ID: "gen_ai.request.id",
  OPERATION_NAME: "gen_ai.operation.name",
  REQUEST_MODEL: "gen_ai.request.model",
  REQUEST_MAX_TOKENS: "gen_ai.request.max_tokens",
  REQUEST_TEMPERATURE: "gen_ai.request.temperature",
  REQUEST_TOP_P: "gen_ai.request.top_p",
  REQUEST_CHOICE_COUNT: "gen_ai.request.choice.count",
  REQUEST_STREAM: "gen_ai.request.stream",
  USAGE_INPUT_TOKENS: "gen_ai.usage.input_tokens",
  USAGE_OUTPUT_TOKENS: "gen_ai.usage.output_tokens",
  RESPONSE_FINISH_REASONS: "gen_ai.response.finish_reasons",
  /** Opt-in only (`captureContent`): may contain personal data. */
  INPUT_MESSAGES: "gen_ai.input.messages",
  /** Opt-in only (`captureContent`): may contain personal data. */
  OUTPUT_MESSAGES: "gen_ai.output.messages",
  LATENCY_TIME_TO_FIRST_TOKEN: "gen_ai.latency.time_to_first_token",
  LATENCY_E2E: "gen_ai.latency.e2e",
  LATENCY_TIME_IN_QUEUE: "gen_ai.latency.time_in_queue",
  LATENCY_PREFILL: "gen_ai.latency.time_in_model_prefill",
  LATENCY_DECODE: "gen_ai.latency.time_in_model_decode",
  EVENT_TS_MONOTONIC: "event.ts.monotonic",
  ABORT_REASON: "reason",
  ABORT_ERROR: "error",
} as const;

/** Names of the events on the `llm_request` span, in the order a journey emits them. */
export const ApiEvent = {
  ARRIVED: "api.ARRIVED",
  HANDOFF_TO_CORE: "api.HANDOFF_TO_CORE",
  FIRST_RESPONSE_FROM_CORE: "api.FIRST_RESPONSE_FROM_CORE",
  DEPARTED: "api.DEPARTED",
  ABORTED: "api.ABORTED",
} as const;

/** The API layer's span name. */
export const API_SPAN_NAME = "llm_request";
/** The API layer's tracer scope. */
export const API_TRACER_SCOPE = "llm-journey.api";
