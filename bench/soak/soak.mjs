// A soak of the demo server, in this process: the built server (`npm run soak` and the
// test build it first), mixed traffic, and the invariants that must hold afterwards.
import { parseConfig } from "../../apps/demo-server/dist/config.js";
import { startServer } from "../../apps/demo-server/dist/server.js";
import { startEngine } from "../../apps/demo-server/dist/start-engine.js";
import { HARNESS_FLAGS } from "../lib/demo-server.mjs";
import { metricValue } from "../lib/metrics-text.mjs";
import { watchSpanMisuse } from "./span-misuse-watch.mjs";

const SOAK_FLAGS = [
  ...HARNESS_FLAGS,
  // Preemption-heavy: few KV blocks for the concurrency, short simulated steps.
  "--num-kv-blocks",
  "48",
  "--block-size",
  "16",
  "--max-num-seqs",
  "16",
  "--max-num-batched-tokens",
  "256",
  "--step-time-base-ms",
  "0.2",
  "--step-time-per-prefill-token-ms",
  "0",
  "--step-time-per-decode-seq-ms",
  "0.01",
  "--inject-engine-error-rate",
  "0.05",
];

/** The soak's engine worker: the real one behind a double-`end()` watch. */
const SOAK_ENGINE_WORKER = new URL("./soak-engine-worker.mjs", import.meta.url);

/**
 * Drives an in-process demo server with mixed traffic (chat and completions, streaming
 * and not, ~10% aborted by the client at a random point, ~5% failing in the engine, ~5%
 * invalid) and checks what must hold afterwards: every request answered or closed,
 * every span ended exactly once with one terminal event, both layers' gauges at 0.
 *
 * "Ended exactly once" is checked twice over: no span reaches the journey store twice,
 * and the SDK in neither thread complained of an `end()` (or any call) on an ended span.
 * The second check is the one that sees a double `end()`: the SDK ignores it, so no
 * processor, exporter or store ever receives the span again (see `span-misuse-watch.mjs`).
 *
 * Options: `requests`, `concurrency` (default 64), `flags` (extra server flags; the
 * defaults give a preemption-heavy engine and 5% engine errors). The report: `requests`,
 * `seconds`, `outcomes` (ok, client_error, server_error, aborted_by_client), `spans` (api,
 * core, deliveredTwice: reached the journey store twice, endedTwice and usedAfterEnd: in
 * either thread, from the SDK's `diag`, badTerminal), `spanMisuse` (per thread, and proof
 * that the watch worked), the layers' `gauges`, `heapGrowthMiB`, `unhandledRejections`,
 * `warnings`, and `problems`, empty when every invariant held.
 */
export async function runSoak(options) {
  let unhandledRejections = 0;
  let warnings = 0;
  const onRejection = () => unhandledRejections++;
  const onWarning = () => warnings++;
  process.on("unhandledRejection", onRejection);
  process.on("warning", onWarning);
  const config = parseConfig([...SOAK_FLAGS, ...(options.flags ?? [])], {});
  const misuse = watchSpanMisuse();
  let engine;
  let server;
  try {
    engine = await startEngine(config, { workerUrl: SOAK_ENGINE_WORKER });
    server = await startServer(config, engine);
  } catch (error) {
    misuse.stop();
    process.off("unhandledRejection", onRejection);
    process.off("warning", onWarning);
    throw error;
  }
  const spans = {
    api: 0,
    core: 0,
    deliveredTwice: 0,
    endedTwice: 0,
    usedAfterEnd: 0,
    badTerminal: 0,
  };
  const seen = new Set();
  server.store.onSpan((span) => checkSpan(span, spans, seen));
  const outcomes = { ok: 0, client_error: 0, server_error: 0, aborted_by_client: 0 };
  const heapBefore = heapUsed();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < options.requests) {
      const outcome = await oneRequest(server.url, next++);
      outcomes[outcome]++;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 64 }, worker));
    const seconds = (performance.now() - started) / 1000;
    // The engine thread posts its spans and stats in batches: let them land.
    const gauges = await settledGauges(server.url);
    const spanMisuse = await misuse.report();
    const heapGrowthMiB = (heapUsed() - heapBefore) / 2 ** 20;
    const problems = [];
    const answered = Object.values(outcomes).reduce((a, b) => a + b, 0);
    if (answered !== options.requests)
      problems.push(`${options.requests - answered} requests never ended`);
    if (spans.deliveredTwice > 0)
      problems.push(`${spans.deliveredTwice} spans reached the journey store twice`);
    for (const thread of ["http", "engine"]) {
      const seen = spanMisuse.threads[thread];
      if (seen === undefined) {
        problems.push(
          `the ${thread} thread was not watched for double end() (the engine must run soak-engine-worker.js)`,
        );
        continue;
      }
      if (!seen.probeCaught)
        problems.push(`the double-end() watch did not catch its probe in the ${thread} thread`);
      spans.endedTwice += seen.endedTwice;
      spans.usedAfterEnd += seen.usedAfterEnd;
      if (seen.endedTwice > 0)
        problems.push(`${seen.endedTwice} spans ended twice in the ${thread} thread`);
      if (seen.usedAfterEnd > 0)
        problems.push(`${seen.usedAfterEnd} calls on ended spans in the ${thread} thread`);
    }
    if (spans.badTerminal > 0)
      problems.push(`${spans.badTerminal} spans without exactly one terminal event`);
    // Every request that reached the server has its span; a client abort may come first.
    const reachedAtLeast = options.requests - outcomes.aborted_by_client;
    if (spans.api < reachedAtLeast || spans.api > options.requests) {
      problems.push(
        `${spans.api} API spans for ${options.requests} requests (${outcomes.aborted_by_client} aborted by the client)`,
      );
    }
    if (Object.values(gauges).some((value) => value !== 0))
      problems.push(`gauges not at 0: ${JSON.stringify(gauges)}`);
    if (unhandledRejections > 0) problems.push(`${unhandledRejections} unhandled rejections`);
    if (warnings > 0) problems.push(`${warnings} process warnings`);
    return {
      requests: options.requests,
      seconds,
      outcomes,
      spans,
      spanMisuse,
      gauges,
      heapGrowthMiB,
      unhandledRejections,
      warnings,
      problems,
    };
  } finally {
    await server.close();
    misuse.stop();
    process.off("unhandledRejection", onRejection);
    process.off("warning", onWarning);
  }
}
function checkSpan(span, counts, seen) {
  if (seen.has(span.spanId)) counts.deliveredTwice++;
  seen.add(span.spanId);
  const names = span.events.map((event) => event.name);
  if (span.name === "llm_request") {
    counts.api++;
    const terminal = names.filter((name) => name === "api.DEPARTED" || name === "api.ABORTED");
    if (terminal.length !== 1 || names.at(-1) !== terminal[0]) counts.badTerminal++;
  } else if (span.name === "llm_core") {
    counts.core++;
    if (
      names.filter((name) => name === "journey.FINISHED").length !== 1 ||
      names.at(-1) !== "journey.FINISHED"
    ) {
      counts.badTerminal++;
    }
  }
  // Only counts are kept, so a long soak does not grow with the number of spans.
  if (seen.size > 10_000) seen.clear();
}
/** A deterministic mix by index: kinds of request and who ends them. */
async function oneRequest(url, i) {
  const chat = i % 2 === 0;
  const stream = i % 3 !== 0;
  const invalid = i % 20 === 7;
  const abortAfterMs = i % 10 === 3 ? 1 + (i % 13) : undefined;
  const maxTokens = invalid ? -1 : 1 + ((i * 7) % 48);
  const body = chat
    ? {
        model: "m",
        messages: [{ role: "user", content: `soak request ${i} `.repeat(1 + (i % 9)) }],
        max_tokens: maxTokens,
        stream,
      }
    : {
        model: "m",
        prompt: `soak prompt ${i} `.repeat(1 + (i % 9)),
        max_tokens: maxTokens,
        stream,
      };
  const controller = new AbortController();
  const timer =
    abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), abortAfterMs);
  try {
    const response = await fetch(`${url}/v1/${chat ? "chat/completions" : "completions"}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    await response.arrayBuffer(); // the whole body, stream or not
    if (response.status >= 500) return "server_error";
    if (response.status >= 400) return "client_error";
    return "ok";
  } catch (error) {
    if (controller.signal.aborted) return "aborted_by_client";
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
async function settledGauges(url) {
  let gauges = { apiActive: -1, apiTracked: -1, coreActive: -1, coreTracked: -1 };
  for (let attempt = 0; attempt < 100; attempt++) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const read = (name, layer) => metricValue(text, name, `layer="${layer}"`) ?? Number.NaN;
    gauges = {
      apiActive: read("llm_journey_active_spans", "api"),
      apiTracked: read("llm_journey_tracked_entries", "api"),
      coreActive: read("llm_journey_active_spans", "core"),
      coreTracked: read("llm_journey_tracked_entries", "core"),
    };
    if (Object.values(gauges).every((value) => value === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return gauges;
}
function heapUsed() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}
