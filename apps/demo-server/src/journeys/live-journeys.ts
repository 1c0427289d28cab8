import { API_SPAN_NAME, API_TRACER_SCOPE, type OpenApiJourney } from "@llm-journey/tracer-api";
import { CORE_SPAN_NAME, CORE_TRACER_SCOPE, type OpenCoreJourney } from "@llm-journey/tracer-core";
import type { JourneySpan } from "../engine/engine-contract.js";

/** An open span as `/debug/journeys?state=active` returns it: no end time yet. */
export type LiveJourneySpan = Omit<JourneySpan, "endTimeUnixNano">;

/**
 * One request in flight: the shape of a finished journey, plus what the tracers report
 * about it now. The progress fields come from the engine and are null until the core
 * lists the request (it has not reached the engine, or the engine already finished it).
 */
export type LiveJourney = ReturnType<typeof journey>;

/**
 * Joins the two tracers' open journeys on the request id, oldest first. The span start
 * times are rebuilt from the ages, which is all an open journey's listing carries.
 */
export function liveJourneys(
  api: readonly OpenApiJourney[],
  core: readonly OpenCoreJourney[],
  nowUnixNano: bigint,
): LiveJourney[] {
  const coreById = new Map(core.map((journey) => [journey.requestId, journey]));
  const live: LiveJourney[] = [];
  for (const request of api) {
    const engine = coreById.get(request.requestId);
    coreById.delete(request.requestId);
    const spans = [apiSpan(request, nowUnixNano)];
    if (engine !== undefined) spans.push(coreSpan(engine, request.spanId, nowUnixNano));
    live.push(journey(spans, request, engine));
  }
  // Left only in the engine: its API journey closed first (an abort the engine has not
  // reached yet), or the core runs without the API layer.
  for (const engine of coreById.values()) {
    const spans = [coreSpan(engine, null, nowUnixNano)];
    live.push(journey(spans, undefined, engine));
  }
  return live.sort((a, b) => b.ageMs - a.ageMs);
}

/** A request in flight from its open spans and the tracers' listings, the API's first. */
function journey(
  spans: LiveJourneySpan[],
  api: OpenApiJourney | undefined,
  core: OpenCoreJourney | undefined,
) {
  const { traceId, requestId, ageMs } = (api ?? core) as OpenApiJourney | OpenCoreJourney;
  return {
    traceId,
    requestId,
    spans,
    /** Milliseconds since the request's first open span started. */
    ageMs,
    /** The engine's latest event when the core lists the request, else the API layer's. */
    lastEvent: core?.lastEvent ?? api?.lastEvent ?? "",
    phase: core?.phase ?? null,
    prefillDoneTokens: core?.prefillDoneTokens ?? null,
    prefillTotalTokens: core?.prefillTotalTokens ?? null,
    decodeDoneTokens: core?.decodeDoneTokens ?? null,
    decodeMaxTokens: core?.decodeMaxTokens ?? null,
    preemptions: core?.preemptions ?? null,
  };
}

function apiSpan(journey: OpenApiJourney, now: bigint): LiveJourneySpan {
  return openSpan(API_SPAN_NAME, "SERVER", API_TRACER_SCOPE, journey, null, now);
}

function coreSpan(journey: OpenCoreJourney, parentSpanId: string | null, now: bigint) {
  return openSpan(CORE_SPAN_NAME, "INTERNAL", CORE_TRACER_SCOPE, journey, parentSpanId, now);
}

function openSpan(
  name: string,
  kind: LiveJourneySpan["kind"],
  scope: string,
  journey: OpenApiJourney | OpenCoreJourney,
  parentSpanId: string | null,
  now: bigint,
): LiveJourneySpan {
  return {
    name,
    kind,
    scope,
    traceId: journey.traceId,
    spanId: journey.spanId,
    // The API span's parent (a client's span) is not in the listing: null until it ends.
    parentSpanId,
    startTimeUnixNano: (now - BigInt(Math.round(journey.ageMs * 1e6))).toString(),
    status: { code: "UNSET", message: "" },
    attributes: { "gen_ai.request.id": journey.requestId },
    events: [],
  };
}

/** Now, in nanoseconds since the epoch, at the resolution of `performance`. */
export function nowUnixNano(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}
