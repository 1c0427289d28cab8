// The same two spans and ten events written straight to the OpenTelemetry SDK, with
// nothing of llm-journey in between: the SDK's own share of a traced journey, which no
// instrumentation on this SDK can go below.
import { otelApi } from "./workspace.mjs";

const { ROOT_CONTEXT, SpanKind, trace } = otelApi();

const now = () => performance.now() / 1000;

/** A core event's attributes; one optional extra attribute, added as the core adds it. */
function coreEvent(type, step, phase, prefill, decode, extraKey, extraValue) {
  const attributes = {
    "event.type": type,
    "ts.monotonic": now(),
    "scheduler.step": step,
    phase,
    "prefill.done_tokens": prefill,
    "prefill.total_tokens": 24,
    "decode.done_tokens": decode,
    "decode.max_tokens": 16,
    num_preemptions: step < 5 ? 0 : 1,
  };
  if (extraKey !== undefined) attributes[extraKey] = extraValue;
  return attributes;
}

/**
 * The first half of a journey, written directly to `tracer`: both spans started, the
 * request attributes set, ARRIVED, HANDOFF_TO_CORE, QUEUED, SCHEDULED, FIRST_TOKEN and
 * FIRST_RESPONSE_FROM_CORE added. Returns the open spans.
 */
export function sdkFloorActive(tracer, requestId) {
  const api = tracer.startSpan(
    "llm_request",
    { kind: SpanKind.SERVER, attributes: { "gen_ai.request.id": requestId } },
    ROOT_CONTEXT,
  );
  api.addEvent("api.ARRIVED", { "event.ts.monotonic": now() });
  api.setAttributes({
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "llm-journey-simulated",
    "gen_ai.request.max_tokens": 16,
    "gen_ai.request.stream": true,
  });
  const core = tracer.startSpan(
    "llm_core",
    { kind: SpanKind.INTERNAL, attributes: { "gen_ai.request.id": requestId } },
    trace.setSpan(ROOT_CONTEXT, api),
  );
  core.addEvent("journey.QUEUED", coreEvent("QUEUED", 1, "WAITING", 0, 0));
  api.addEvent("api.HANDOFF_TO_CORE", { "event.ts.monotonic": now() });
  core.addEvent(
    "journey.SCHEDULED",
    coreEvent("SCHEDULED", 2, "PREFILL", 0, 0, "schedule.kind", "FIRST"),
  );
  core.addEvent("journey.FIRST_TOKEN", coreEvent("FIRST_TOKEN", 2, "DECODE", 24, 1));
  api.addEvent("api.FIRST_RESPONSE_FROM_CORE", { "event.ts.monotonic": now() });
  return [api, core];
}

/** One whole journey's spans, events and attributes, written directly to `tracer`. */
export function sdkFloorJourney(tracer, requestId) {
  const [api, core] = sdkFloorActive(tracer, requestId);
  core.addEvent("journey.PREEMPTED", coreEvent("PREEMPTED", 5, "WAITING", 24, 4));
  core.addEvent(
    "journey.SCHEDULED",
    coreEvent("SCHEDULED", 7, "PREFILL", 24, 4, "schedule.kind", "RESUME"),
  );
  core.addEvent(
    "journey.FINISHED",
    coreEvent("FINISHED", 18, "DECODE", 24, 16, "finish.status", "length"),
  );
  core.setAttributes({
    num_preemptions: 1,
    "gen_ai.latency.time_in_queue": 0.001,
    "gen_ai.latency.time_in_model_inference": 0.01,
    "gen_ai.latency.time_in_model_prefill": 0.001,
    "gen_ai.latency.time_in_model_decode": 0.009,
  });
  core.end();
  api.setAttributes({ "gen_ai.usage.input_tokens": 24, "gen_ai.usage.output_tokens": 16 });
  api.setAttributes({ "gen_ai.response.finish_reasons": ["length"] });
  api.addEvent("api.DEPARTED", { "event.ts.monotonic": now() });
  api.setAttributes({ "gen_ai.latency.e2e": 0.012, "gen_ai.latency.time_to_first_token": 0.002 });
  api.end();
}
