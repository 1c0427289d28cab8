import type { IncomingHttpHeaders } from "node:http";
import { createLegacySpanBuilder, type LegacyStepRecords } from "@llm-journey/legacy-buffer";
import {
  DEFAULT_MAX_EVENTS_PER_SPAN,
  type FinishStatus,
  monotonicSeconds,
} from "@llm-journey/tracer-core";
import type { Engine, EngineEvent, GenerationRequest } from "../engine/index.js";
import type { JourneyStreamOutputFactory } from "../tracing-setup.js";
import type { LegacyEngineOptions } from "./legacy-engine.js";

/**
 * The HTTP side of `legacy` and `dual` modes, loaded by `tracingModePlan` only in those
 * modes: every generation is begun on the legacy span builder when it is handed to the
 * engine, collects the records the engine ships with its steps, and is completed on
 * every way its stream ends, which builds the legacy `llm_request` span after the fact.
 * Deleted with the legacy-buffer package in Phase 3.
 */
export const createJourneyStreamOutput: JourneyStreamOutputFactory = (options) => {
  const { mode } = options.options as LegacyEngineOptions;
  const builder = createLegacySpanBuilder({
    tracerProvider: options.tracerProvider,
    maxEventsPerSpan: DEFAULT_MAX_EVENTS_PER_SPAN,
    onError: options.onError,
  });
  // Dual mode: the API layer's headers (its span as parent, its sampling decision), so the
  // legacy span joins the same trace. Legacy mode has no API layer: the client's own trace
  // context, when it is trusted, and the engine's recorder samples.
  const traceHeadersOf = (request: GenerationRequest): Record<string, string> =>
    mode === "dual"
      ? request.traceHeaders
      : options.trustClientContext
        ? clientTraceContext(request.incomingHeaders)
        : {};

  async function* traced(engine: Engine, request: GenerationRequest): AsyncGenerator<EngineEvent> {
    const traceHeaders = traceHeadersOf(request);
    builder.begin(request.requestId, {
      arrivalTime: request.arrivalTime ?? monotonicSeconds(),
      traceHeaders,
    });
    let status: FinishStatus = "aborted";
    let error: string | undefined;
    let firstResponseTime: number | undefined;
    let usage = { promptTokens: 0, outputTokens: 0 };
    try {
      for await (const event of engine.submit({ ...request, traceHeaders })) {
        if (event.type === "token") {
          firstResponseTime ??= monotonicSeconds();
        } else {
          status = event.status;
          error = event.error;
          usage = event;
        }
        yield event;
      }
    } finally {
      // Every way out: finished, the consumer leaving early (disconnect, timeout), a throw.
      builder.complete(request.requestId, {
        status,
        error,
        ...(firstResponseTime !== undefined ? { firstResponseTime } : {}),
        attributes: {
          "gen_ai.usage.input_tokens": usage.promptTokens,
          "gen_ai.usage.output_tokens": usage.outputTokens,
        },
      });
    }
  }

  return {
    layer: "legacy",
    // Lazy like the engine's own stream: a generation that is never iterated creates
    // nothing on either side.
    wrap: (engine) => ({
      submit: (request) => traced(engine, request),
      abort: (requestId) => engine.abort(requestId),
    }),
    collect: (records) => builder.collectStep(records as LegacyStepRecords),
    shutdown: () => builder.shutdown(),
    get activeSpans() {
      return builder.activeSpans;
    },
    get trackedEntries() {
      return builder.trackedEntries;
    },
    get pendingRecords() {
      return builder.bufferedRecords;
    },
  };
};

/** The client's `traceparent` and `tracestate`, as sent; the builder validates them. */
function clientTraceContext(headers: IncomingHttpHeaders | undefined): Record<string, string> {
  const context: Record<string, string> = {};
  const { traceparent, tracestate } = headers ?? {};
  if (typeof traceparent === "string") context.traceparent = traceparent;
  if (typeof tracestate === "string") context.tracestate = tracestate;
  return context;
}
