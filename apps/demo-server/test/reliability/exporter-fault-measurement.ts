import { type CollectorKind, startCollector } from "./fault-collectors.js";
import { driveLoad, type LoadResult } from "./load-driver.js";
import { metricSum, metricValue, startServerProcess } from "./server-process.js";

export interface ExporterFaultOptions {
  /** Collectors to compare; must include `healthy`, the baseline of its round. */
  readonly kinds: readonly CollectorKind[];
  /** Each round runs every kind once, in an order rotated by one per round. */
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly maxTokens: number;
  /** Wait after the load before reading `/metrics`, so failed exports are counted. */
  readonly settleMs: number;
  /** Extra environment of the server (e.g. `OTEL_EXPORTER_OTLP_TIMEOUT`). */
  readonly env?: Record<string, string>;
  /** Called with a line as each run ends. */
  readonly onProgress?: (line: string) => void;
}

/** One server process under one collector for one window. */
export interface FaultRun {
  readonly round: number;
  readonly kind: CollectorKind;
  readonly load: LoadResult;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Requests the server counted (warm-up included); each traced one ends two spans. */
  readonly requestsServed: number;
  readonly spansDropped: { readonly api: number; readonly core: number };
  /** Export requests that reached the collector, retries included. */
  readonly exportsSeen: number;
  /** Spans the healthy collector accepted. */
  readonly spansAccepted: number;
  /** stderr lines from the rate-limited tracing error handler. */
  readonly warningLines: number;
  /** Every stderr line, warnings included. */
  readonly stderrLines: number;
}

/** One kind over all rounds. Ratios are medians of the per-round ratios to healthy. */
export interface FaultSummary {
  readonly kind: CollectorKind;
  readonly runs: number;
  readonly requestsPerSecond: number;
  readonly throughputRatio: number;
  readonly p50Ms: number;
  readonly p50Ratio: number;
  readonly p99Ms: number;
  readonly p99Ratio: number;
  readonly errors: number;
  readonly maxRssMiB: number;
  readonly maxHeapUsedMiB: number;
  readonly spansEnded: number;
  readonly spansDropped: number;
  readonly spansAccepted: number;
  readonly exportsSeen: number;
  readonly maxWarningLines: number;
  readonly maxStderrLines: number;
}

// No sampled step spans: each request then exports exactly its two journey spans, the
// unit the drop counts are read in (a short run at this load preempts nothing).
const SERVER_ARGS = [
  "--host",
  "127.0.0.1",
  "--port",
  "0",
  "--fast",
  "--step-tracing-sample-rate",
  "0",
];

/** Runs every kind `rounds` times, paired per round, and returns every run. */
export async function measureExporterFaults(options: ExporterFaultOptions): Promise<FaultRun[]> {
  const runs: FaultRun[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order = options.kinds.map((_, i) => options.kinds[(i + round) % options.kinds.length]);
    for (const kind of order as CollectorKind[]) {
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

async function oneRun(
  round: number,
  kind: CollectorKind,
  options: ExporterFaultOptions,
): Promise<FaultRun> {
  const collector = await startCollector(kind);
  try {
    const server = await startServerProcess({
      args: [...SERVER_ARGS, "--otlp-traces-endpoint", collector.url],
      // The healthy collector counts spans in the JSON without decoding it.
      env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json", ...options.env },
    });
    try {
      const load = await driveLoad({
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
        exportsSeen: collector.exports(),
        spansAccepted: collector.spansAccepted(),
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
export function summarize(runs: readonly FaultRun[]): FaultSummary[] {
  const kinds = [...new Set(runs.map((run) => run.kind))];
  const healthyOf = (round: number) =>
    runs.find((run) => run.kind === "healthy" && run.round === round);
  const mib = (bytes: number) => bytes / 2 ** 20;
  return kinds.map((kind) => {
    const own = runs.filter((run) => run.kind === kind);
    const ratios = (read: (load: LoadResult) => number) =>
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
export function formatTable(summaries: readonly FaultSummary[]): string {
  const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(3)}×` : "–");
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

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
