import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { JourneySpan } from "../../src/engine/engine-contract.js";
import type { Journey } from "../../src/journeys/journey-store.js";

/**
 * Dual mode's comparison: for each journey that has both streams, do the legacy span and
 * the new spans tell the same story? Run it against a dual-mode server:
 *
 *   npm run demo -- --tracing-mode dual
 *   node apps/demo-server/dist/legacy/compare-streams.js --url http://127.0.0.1:8000
 */

/**
 * How far two latencies of one request may differ. Core and legacy read the clock in the
 * same hook call, microseconds apart; the HTTP side's two streams take their times at
 * neighbouring points of one request's handling (the legacy span completes when the
 * engine's stream ends, `api.DEPARTED` once the response is written), which a busy event
 * loop can push a few milliseconds apart.
 */
export const TOLERANCE_MS = { core: 1, api: 5 } as const;

/** Latencies the two streams both carry: [attribute, the new stream's span]. */
const LATENCIES = [
  ["gen_ai.latency.time_in_queue", "core"],
  ["gen_ai.latency.time_in_model_prefill", "core"],
  ["gen_ai.latency.time_in_model_decode", "core"],
  ["gen_ai.latency.time_in_model_inference", "core"],
  ["gen_ai.latency.time_to_first_token", "api"],
  ["gen_ai.latency.e2e", "api"],
] as const;

export interface LatencyComparison {
  attribute: string;
  /** Seconds on the new stream's span (`llm_core` or the API's `llm_request`). */
  spans: number;
  /** Seconds on the legacy span. */
  legacy: number;
  differenceMs: number;
  withinTolerance: boolean;
}

export interface StreamComparison {
  requestId: string;
  traceId: string;
  /** The `journey.*` events of `llm_core` and of the legacy span, names in order. */
  coreEvents: string[];
  legacyEvents: string[];
  /** Event names, order and attributes (all but `ts.monotonic`) agree. */
  sameEvents: boolean;
  /** What differs, for a human. */
  differences: string[];
  latencies: LatencyComparison[];
  agrees: boolean;
}

const isJourneyEvent = (event: JourneySpan["events"][number]) => event.name.startsWith("journey.");

/**
 * Compares one journey's streams; undefined when it does not have all three spans (a
 * request that never reached the engine, or a mode other than dual).
 */
export function compareStreams(journey: Journey): StreamComparison | undefined {
  const core = journey.spans.find((span) => span.name === "llm_core");
  const api = journey.spans.find((span) => span.scope === "llm-journey.api");
  const legacy = journey.spans.find((span) => span.scope === "llm-journey.legacy");
  if (core === undefined || api === undefined || legacy === undefined) return undefined;

  const coreEvents = core.events.filter(isJourneyEvent);
  const legacyEvents = legacy.events.filter(isJourneyEvent);
  const differences: string[] = [];
  if (coreEvents.length !== legacyEvents.length) {
    differences.push(`${coreEvents.length} core events, ${legacyEvents.length} legacy events`);
  }
  coreEvents.forEach((event, index) => {
    const twin = legacyEvents[index];
    if (twin === undefined) return;
    if (twin.name !== event.name) {
      differences.push(`event ${index}: ${event.name} in core, ${twin.name} in legacy`);
      return;
    }
    for (const key of new Set([
      ...Object.keys(event.attributes),
      ...Object.keys(twin.attributes),
    ])) {
      if (key === "ts.monotonic") continue;
      if (event.attributes[key] !== twin.attributes[key]) {
        differences.push(
          `${event.name} #${index} ${key}: ${String(event.attributes[key])} in core, ${String(twin.attributes[key])} in legacy`,
        );
      }
    }
  });
  const sameEvents = differences.length === 0;

  const latencies: LatencyComparison[] = [];
  for (const [attribute, side] of LATENCIES) {
    const spans = (side === "core" ? core : api).attributes[attribute];
    const old = legacy.attributes[attribute];
    if (typeof spans !== "number" && typeof old !== "number") continue;
    if (typeof spans !== "number" || typeof old !== "number") {
      differences.push(`${attribute} is on only one stream`);
      continue;
    }
    const differenceMs = Math.abs(spans - old) * 1000;
    latencies.push({
      attribute,
      spans,
      legacy: old,
      differenceMs,
      withinTolerance: differenceMs <= TOLERANCE_MS[side],
    });
  }
  return {
    requestId: journey.requestId ?? "",
    traceId: journey.traceId,
    coreEvents: coreEvents.map((event) => event.name),
    legacyEvents: legacyEvents.map((event) => event.name),
    sameEvents,
    differences,
    latencies,
    agrees: differences.length === 0 && latencies.every((latency) => latency.withinTolerance),
  };
}

/** A markdown table of the comparisons, one row per request. */
export function formatComparisons(comparisons: readonly StreamComparison[]): string {
  const names = LATENCIES.map(([attribute]) => attribute.replace("gen_ai.latency.", ""));
  const lines = [
    `| request | events | same events | ${names.map((name) => `${name} Δ ms`).join(" | ")} | agrees |`,
    `| --- | --- | --- | ${names.map(() => "---").join(" | ")} | --- |`,
  ];
  for (const comparison of comparisons) {
    const cells = LATENCIES.map(([attribute]) => {
      const latency = comparison.latencies.find((l) => l.attribute === attribute);
      return latency === undefined ? "–" : latency.differenceMs.toFixed(3);
    });
    lines.push(
      `| ${comparison.requestId} | ${comparison.coreEvents.length} | ${comparison.sameEvents ? "yes" : "NO"} | ${cells.join(" | ")} | ${comparison.agrees ? "yes" : "NO"} |`,
    );
  }
  const agreeing = comparisons.filter((comparison) => comparison.agrees).length;
  lines.push(
    "",
    `${agreeing} of ${comparisons.length} requests agree (events identical but for ts.monotonic; latencies within ${TOLERANCE_MS.core} ms core/legacy, ${TOLERANCE_MS.api} ms API/legacy).`,
  );
  for (const comparison of comparisons) {
    for (const difference of comparison.differences) {
      lines.push(`- ${comparison.requestId}: ${difference}`);
    }
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: "string" }, limit: { type: "string" } },
  });
  const url = values.url ?? "http://127.0.0.1:8000";
  const limit = Number(values.limit ?? 50);
  const response = await fetch(`${url}/debug/journeys?limit=${limit}`);
  if (!response.ok) throw new Error(`${url}/debug/journeys answered ${response.status}`);
  const { journeys } = (await response.json()) as { journeys: Journey[] };
  const comparisons = journeys.map(compareStreams).filter((comparison) => comparison !== undefined);
  if (comparisons.length === 0) {
    console.log(
      `No journey at ${url} has both streams: start the server with --tracing-mode dual and send a few requests.`,
    );
    return;
  }
  console.log(formatComparisons(comparisons));
  if (comparisons.some((comparison) => !comparison.agrees)) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
