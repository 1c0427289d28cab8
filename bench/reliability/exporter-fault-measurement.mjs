// The built demo server under the same keep-alive load against a healthy OTLP collector
// and broken ones, paired per round: what a broken collector costs the server (throughput,
// latency, memory) and what it drops and says about it.
import { startDemoServer } from "../lib/demo-server.mjs";
import { runMixedLoad } from "../lib/load.mjs";
import { metricSum, metricValue } from "../lib/metrics-text.mjs";
import { startOtlpSink } from "../lib/otlp-sink.mjs";
import { median } from "../lib/stats.mjs";

// No sampled step spans: each request then exports exactly its two journey spans, the
// unit the drop counts are read in (a short run at this load preempts nothing).
const SERVER_FLAGS = ["--fast", "--step-tracing-sample-rate", "0"];

/**
 * Runs every kind of collector (`kinds`, which must include `healthy`, the baseline of
 * its round) `rounds` times, each round in an order rotated by one, and returns every run:
 * `{ round, kind, load, rssBytes, heapUsedBytes, requestsServed (warm-up included; each
 * traced one ends two spans), spansDropped: { api, core }, exportsSeen (retries included),
 * spansAccepted, warningLines (from the rate-limited tracing error handler), stderrLines }`.
 * Options: `warmupMs`, `durationMs`, `concurrency`, `maxTokens` of the load; `settleMs`,
 * the wait after the load before reading `/metrics`, so failed exports are counted; `env`,
 * the server's extra environment (e.g. `OTEL_EXPORTER_OTLP_TIMEOUT`); `onProgress(line)`,
 * called as each run ends.
 */
export async function measureExporterFaults(options) {
  const runs = [];
  for (let round = 0; round < options.rounds; round++) {
    const order = options.kinds.map((_, i) => options.kinds[(i + round) % options.kinds.length]);
    for (const kind of order) {
      const run = await oneRun(round, kind, options);
      runs.push(run);
      options.onProgress?.(
        `round ${round + 1}/${options.rounds} ${kind}: ${run.load.requestsPerSecond.toFixed(0)} req/s, ` +
          `p50 ${run.load.p50Ms.toFixed(1)} ms, p99 ${run.load.p99Ms.toFixed(1)} ms, ` +
          `dropped ${run.spansDropped.api}+${run.spansDropped.core}, warnings ${run.warningLines}`,
      );
    }
  }
  return runs;
}

async function oneRun(round, kind, options) {
  const collector = await startOtlpSink({ kind });
  try {
    const server = await startDemoServer(
      [...SERVER_FLAGS, "--otlp-traces-endpoint", collector.url],
      {
        // The healthy collector counts spans in the JSON without decoding it.
        env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json", ...options.env },
      },
    );
    try {
      const load = await runMixedLoad({
        url: server.url,
        concurrency: options.concurrency,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        maxTokens: options.maxTokens,
      });
      await new Promise((resolve) => setTimeout(resolve, options.settleMs));
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const stderr = server.stderrLines();
      return {
        round,
        kind,
        load,
        rssBytes: metricValue(metrics, "process_resident_memory_bytes") ?? Number.NaN,
        heapUsedBytes: metricValue(metrics, "nodejs_heap_size_used_bytes") ?? Number.NaN,
        requestsServed: metricSum(metrics, "llm_journey_requests_total"),
        spansDropped: {
          api: metricValue(metrics, "llm_journey_spans_dropped_total", 'layer="api"') ?? 0,
          core: metricValue(metrics, "llm_journey_spans_dropped_total", 'layer="core"') ?? 0,
        },
        exportsSeen: collector.counts.requests,
        spansAccepted: collector.counts.spansAccepted,
        warningLines: stderr.filter((line) => line.includes("[llm-journey] tracing failed")).length,
        stderrLines: stderr.length,
      };
    } finally {
      await server.kill();
    }
  } finally {
    await collector.close();
  }
}

/** Per kind, over rounds; a kind's ratios pair each run with the healthy run of its round. */
export function summarize(runs) {
  const kinds = [...new Set(runs.map((run) => run.kind))];
  const healthyOf = (round) => runs.find((run) => run.kind === "healthy" && run.round === round);
  const mib = (bytes) => bytes / 2 ** 20;
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  return kinds.map((kind) => {
    const own = runs.filter((run) => run.kind === kind);
    // The median of the per-round ratios to healthy.
    const ratios = (read) =>
      median(
        own.flatMap((run) => {
          const healthy = healthyOf(run.round);
          return healthy === undefined ? [] : [read(run.load) / read(healthy.load)];
        }),
      );
    return {
      kind,
      runs: own.length,
      requestsPerSecond: median(own.map((run) => run.load.requestsPerSecond)),
      throughputRatio: ratios((load) => load.requestsPerSecond),
      p50Ms: median(own.map((run) => run.load.p50Ms)),
      p50Ratio: ratios((load) => load.p50Ms),
      p99Ms: median(own.map((run) => run.load.p99Ms)),
      p99Ratio: ratios((load) => load.p99Ms),
      errors: sum(own.map((run) => run.load.errors)),
      maxRssMiB: Math.max(...own.map((run) => mib(run.rssBytes))),
      maxHeapUsedMiB: Math.max(...own.map((run) => mib(run.heapUsedBytes))),
      spansEnded: sum(own.map((run) => 2 * run.requestsServed)),
      spansDropped: sum(own.map((run) => run.spansDropped.api + run.spansDropped.core)),
      spansAccepted: sum(own.map((run) => run.spansAccepted)),
      exportsSeen: sum(own.map((run) => run.exportsSeen)),
      maxWarningLines: Math.max(...own.map((run) => run.warningLines)),
      maxStderrLines: Math.max(...own.map((run) => run.stderrLines)),
    };
  });
}

/** The summary as a markdown table. */
export function formatTable(summaries) {
  const ratio = (value) => (Number.isFinite(value) ? `${value.toFixed(3)}×` : "–");
  const header = [
    "collector",
    "req/s",
    "× healthy",
    "p50 ms",
    "× healthy",
    "p99 ms",
    "× healthy",
    "errors",
    "RSS MiB (max)",
    "heap used MiB (max)",
    "spans ended",
    "spans_dropped_total",
    "spans accepted",
    "exports seen",
    "warning lines (max/run)",
    "stderr lines (max/run)",
  ];
  const rows = summaries.map((s) => [
    s.kind,
    s.requestsPerSecond.toFixed(0),
    ratio(s.throughputRatio),
    s.p50Ms.toFixed(1),
    ratio(s.p50Ratio),
    s.p99Ms.toFixed(1),
    ratio(s.p99Ratio),
    String(s.errors),
    s.maxRssMiB.toFixed(0),
    s.maxHeapUsedMiB.toFixed(0),
    String(s.spansEnded),
    String(s.spansDropped),
    String(s.spansAccepted),
    String(s.exportsSeen),
    String(s.maxWarningLines),
    String(s.maxStderrLines),
  ]);
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
