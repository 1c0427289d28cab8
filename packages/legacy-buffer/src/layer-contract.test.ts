import { describeLateRegistration, type LayerSubject } from "@llm-journey/layer-contract";
import { trace } from "@opentelemetry/api";
import { describe } from "vitest";
import { createLegacyJourneyRecorder } from "./create-journey-recorder.js";
import { createLegacySpanBuilder } from "./create-legacy-span-builder.js";
import type { LegacyJourneyRecorder } from "./journey-recorder.js";
import { LEGACY_SPAN_NAME, LEGACY_TRACER_SCOPE } from "./legacy-names.js";
import type { LegacySpanBuilder } from "./legacy-span-builder.js";
import { NOOP_LEGACY_RECORDER } from "./noop-journey-recorder.js";
import { NOOP_LEGACY_SPAN_BUILDER } from "./noop-legacy-span-builder.js";
import { testRequest } from "./test-support/mini-scheduler.js";

let step = 0;

/** Walks one request through the scheduler hooks, finishing it unless `open`. */
function journey(recorder: LegacyJourneyRecorder, requestId: string) {
  const request = testRequest({ requestId, promptTokens: 4, maxTokens: 2 });
  recorder.requestAdded(request, ++step);
  return {
    progress() {
      recorder.requestScheduled(request, ++step);
      request.computedTokens = 4;
      request.outputTokens = 1;
      recorder.requestProgressed(request, step);
    },
    finish: (aborted = false) =>
      recorder.requestFinished(request, aborted ? "aborted" : "stopped", ++step),
  };
}

/** The requests each recorder buffered records for, once drained, in order. */
const drained = new WeakMap<LegacyJourneyRecorder, Set<string>>();
function drain(recorder: LegacyJourneyRecorder): Set<string> {
  const ids = drained.get(recorder) ?? new Set<string>();
  drained.set(recorder, ids);
  for (const entry of recorder.drainStep()) ids.add(entry.requestId);
  return ids;
}

/** The scheduler side, told about the global provider as a server in one process tells it. */
const recorder: LayerSubject<LegacyJourneyRecorder> = {
  name: "legacy recorder",
  createOperation: "createLegacyJourneyRecorder",
  startOperation: "requestAdded",
  scope: LEGACY_TRACER_SCOPE,
  spanName: LEGACY_SPAN_NAME,
  noop: NOOP_LEGACY_RECORDER,
  // The output side says when there is no SDK.
  reportsNoSdk: false,
  sampled: true,
  create: (options) =>
    createLegacyJourneyRecorder({
      ...options,
      tracerProvider: options.tracerProvider ?? trace.getTracerProvider(),
    }),
  open(tracer, requestId) {
    const request = journey(tracer, requestId);
    return { progress: request.progress, finish: () => request.finish() };
  },
  serve(tracer, requestIds, abort = []) {
    for (const requestId of requestIds) {
      const request = journey(tracer, requestId);
      request.progress();
      request.finish(abort.includes(requestId));
    }
    drain(tracer);
  },
  recorded: (tracer) => [...drain(tracer)],
  shutdown(tracer) {
    tracer.shutdown(++step);
    drain(tracer);
  },
};

/** The output side, fed the records of a recorder that always buffers. */
const feeder = createLegacyJourneyRecorder({ onError: () => {} });
const spanBuilder: LayerSubject<LegacySpanBuilder> = {
  name: "legacy span builder",
  createOperation: "createLegacySpanBuilder",
  startOperation: "begin",
  scope: LEGACY_TRACER_SCOPE,
  spanName: LEGACY_SPAN_NAME,
  noop: NOOP_LEGACY_SPAN_BUILDER,
  reportsNoSdk: true,
  sampled: false,
  create: ({ enabled, tracerProvider, onError }) =>
    createLegacySpanBuilder({ enabled, tracerProvider, onError }),
  open(builder, requestId) {
    builder.begin(requestId);
    const request = journey(feeder, requestId);
    return {
      progress() {
        request.progress();
        builder.collectStep(feeder.drainStep());
      },
      finish() {
        request.finish();
        builder.collectStep(feeder.drainStep());
        builder.complete(requestId, { status: "stopped" });
      },
    };
  },
  serve(builder, requestIds, abort = []) {
    for (const requestId of requestIds) {
      builder.begin(requestId);
      const request = journey(feeder, requestId);
      request.progress();
      const aborted = abort.includes(requestId);
      request.finish(aborted);
      builder.collectStep(feeder.drainStep());
      builder.complete(requestId, { status: aborted ? "aborted" : "stopped" });
    }
  },
  recorded: (_builder, testing) =>
    testing
      .spansNamed(LEGACY_SPAN_NAME)
      .map((span) => String(span.attributes["gen_ai.request.id"])),
  shutdown: (builder) => builder.shutdown(),
};

describe("the legacy path keeps the layer contract", () => {
  describeLateRegistration(recorder);
  describeLateRegistration(spanBuilder);
});
