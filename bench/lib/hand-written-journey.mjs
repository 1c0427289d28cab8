// The journey as a user would write it by hand on the OpenTelemetry API, with no
// llm-journey in it: the same two spans, ten events, attributes and latencies, and the
// context carried from the API side to the core only in W3C headers (the SDK's own
// W3CTraceContextPropagator) with the sampled header beside them. It has the layers'
// interface, so the journey script drives it with the very same calls; what it leaves
// out is what the layers add on purpose: exception safety, misuse reports, the watchdog's
// age order, open-journey listing and the event budget.
import { coreRequire, otelApi } from "./workspace.mjs";

const {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
} = otelApi();
const { W3CTraceContextPropagator } = coreRequire("@opentelemetry/core");

const w3c = new W3CTraceContextPropagator();
const now = () => performance.now() / 1000;

/** `startJourney` and a handle per request, ending `llm_request` at `departed`/`aborted`. */
export function handWrittenApi(tracer) {
  return {
    startJourney({ requestId, headers }) {
      const parent = w3c.extract(ROOT_CONTEXT, headers ?? {}, defaultTextMapGetter);
      const arrivedAt = now();
      const span = tracer.startSpan(
        "llm_request",
        { kind: SpanKind.SERVER, attributes: { "gen_ai.request.id": requestId } },
        parent,
      );
      span.addEvent("api.ARRIVED", { "event.ts.monotonic": arrivedAt });
      const coreHeaders = { "x-llm-journey-sampled": "1" };
      w3c.inject(trace.setSpan(ROOT_CONTEXT, span), coreHeaders, defaultTextMapSetter);
      let firstResponseAt;
      let closed = false;
      const close = (name, attributes) => {
        if (closed) return;
        closed = true;
        const at = now();
        span.addEvent(name, { "event.ts.monotonic": at, ...attributes });
        span.setAttribute("gen_ai.latency.e2e", at - arrivedAt);
        if (firstResponseAt !== undefined) {
          span.setAttribute("gen_ai.latency.time_to_first_token", firstResponseAt - arrivedAt);
        }
        span.end();
      };
      return {
        coreHeaders,
        setRequestAttributes({ operation, model, maxTokens, stream }) {
          span.setAttributes({
            "gen_ai.operation.name": operation,
            "gen_ai.request.model": model,
            "gen_ai.request.max_tokens": maxTokens,
            "gen_ai.request.stream": stream,
          });
        },
        handoffToCore() {
          span.addEvent("api.HANDOFF_TO_CORE", { "event.ts.monotonic": now() });
        },
        firstResponse() {
          if (firstResponseAt !== undefined) return;
          firstResponseAt = now();
          span.addEvent("api.FIRST_RESPONSE_FROM_CORE", { "event.ts.monotonic": firstResponseAt });
        },
        setUsage({ inputTokens, outputTokens }) {
          span.setAttributes({
            "gen_ai.usage.input_tokens": inputTokens,
            "gen_ai.usage.output_tokens": outputTokens,
          });
        },
        setFinishReasons(reasons) {
          span.setAttribute("gen_ai.response.finish_reasons", [...reasons]);
        },
        departed() {
          close("api.DEPARTED", {});
        },
        aborted(reason, error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(error ?? reason) });
          close("api.ABORTED", { reason, error: String(error ?? reason) });
        },
      };
    },
  };
}

/** The scheduler's hooks: one `llm_core` span per request marked traced, kept in a map. */
export function handWrittenCore(tracer) {
  const journeys = new Map();
  const attributes = (journey, view, type, step, at) => {
    const prefill = Math.min(view.computedTokens, view.promptTokens);
    if (prefill > journey.prefillHighWater) journey.prefillHighWater = prefill;
    return {
      "event.type": type,
      "ts.monotonic": at,
      "scheduler.step": step,
      phase: !journey.running
        ? "WAITING"
        : view.computedTokens < view.promptTokens
          ? "PREFILL"
          : "DECODE",
      "prefill.done_tokens": journey.prefillHighWater,
      "prefill.total_tokens": view.promptTokens,
      "decode.done_tokens": view.outputTokens,
      "decode.max_tokens": view.maxTokens,
      num_preemptions: view.preemptions,
    };
  };
  const journeyOf = (view) =>
    view.traceHeaders?.["x-llm-journey-sampled"] === "1" ? journeys.get(view.requestId) : undefined;
  return {
    get trackedEntries() {
      return journeys.size;
    },
    get activeSpans() {
      return journeys.size;
    },
    requestAdded(view, step) {
      const headers = view.traceHeaders;
      if (headers?.["x-llm-journey-sampled"] !== "1") return;
      const parent = w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const span = tracer.startSpan(
        "llm_core",
        { kind: SpanKind.INTERNAL, attributes: { "gen_ai.request.id": view.requestId } },
        parent,
      );
      const journey = {
        span,
        addedAt: now(),
        scheduledAt: undefined,
        firstTokenAt: undefined,
        running: false,
        prefillHighWater: 0,
      };
      journeys.set(view.requestId, journey);
      span.addEvent("journey.QUEUED", attributes(journey, view, "QUEUED", step, journey.addedAt));
    },
    requestScheduled(view, step) {
      const journey = journeyOf(view);
      if (journey === undefined) return;
      const at = now();
      const first = journey.scheduledAt === undefined;
      if (first) journey.scheduledAt = at;
      journey.running = true;
      const event = attributes(journey, view, "SCHEDULED", step, at);
      event["schedule.kind"] = first ? "FIRST" : "RESUME";
      journey.span.addEvent("journey.SCHEDULED", event);
    },
    requestProgressed(view, step) {
      const journey = journeyOf(view);
      if (journey === undefined || journey.firstTokenAt !== undefined || view.outputTokens === 0)
        return;
      journey.firstTokenAt = now();
      journey.span.addEvent(
        "journey.FIRST_TOKEN",
        attributes(journey, view, "FIRST_TOKEN", step, journey.firstTokenAt),
      );
    },
    requestPreempted(view, step) {
      const journey = journeyOf(view);
      if (journey === undefined) return;
      journey.running = false;
      journey.span.addEvent(
        "journey.PREEMPTED",
        attributes(journey, view, "PREEMPTED", step, now()),
      );
    },
    requestFinished(view, status, step) {
      const journey = journeyOf(view);
      if (journey === undefined) return undefined;
      journeys.delete(view.requestId);
      const at = now();
      const event = attributes(journey, view, "FINISHED", step, at);
      event["finish.status"] = status;
      const { span, addedAt, scheduledAt, firstTokenAt } = journey;
      span.addEvent("journey.FINISHED", event);
      const latencies = {
        timeInQueue: (scheduledAt ?? at) - addedAt,
        prefill: scheduledAt === undefined ? undefined : (firstTokenAt ?? at) - scheduledAt,
        decode: firstTokenAt === undefined ? undefined : at - firstTokenAt,
      };
      span.setAttributes({
        num_preemptions: view.preemptions,
        "gen_ai.latency.time_in_queue": latencies.timeInQueue,
        "gen_ai.latency.time_in_model_inference":
          scheduledAt === undefined ? undefined : at - scheduledAt,
        "gen_ai.latency.time_in_model_prefill": latencies.prefill,
        "gen_ai.latency.time_in_model_decode": latencies.decode,
      });
      span.end();
      return latencies;
    },
    stepFinished() {},
    shutdown() {
      for (const [requestId, journey] of journeys) {
        journeys.delete(requestId);
        journey.span.end();
      }
    },
  };
}
