/**
 * `npm run reliability:exporter-faults -- [--rounds 3] [--duration 7] [--warmup 2]`:
 * the built demo server under the same keep-alive load against a healthy OTLP collector
 * and four broken ones (refused, blackhole, 500, 429), paired per round; prints a
 * markdown table. About 3 minutes with the defaults.
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { SINK_KINDS } from "../lib/otlp-sink.mjs";
import { formatTable, measureExporterFaults, summarize } from "./exporter-fault-measurement.mjs";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    duration: { type: "string", default: "7" },
    warmup: { type: "string", default: "2" },
    settle: { type: "string", default: "1" },
    concurrency: { type: "string", default: "16" },
    "max-tokens": { type: "string", default: "16" },
    kinds: { type: "string", default: SINK_KINDS.join(",") },
    // Unset: the SDK's defaults (10 s export timeout, 5 s batch delay), as a user runs it.
    "otlp-timeout-ms": { type: "string" },
    "batch-delay-ms": { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

const USAGE = `usage: exporter-fault-run [--rounds N] [--duration S] [--warmup S] [--settle S]
  [--concurrency N] [--max-tokens N] [--kinds ${SINK_KINDS.join(",")}]
  [--otlp-timeout-ms MS] [--batch-delay-ms MS] [--json]`;

function positive(name, value, integer) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    console.error(
      `--${name} must be a ${integer ? "whole " : ""}number >= 0, got ${value}\n${USAGE}`,
    );
    process.exit(2);
  }
  return n;
}

if (values.help) {
  console.log(USAGE);
} else {
  const kinds = (values.kinds ?? "").split(",").map((kind) => kind.trim());
  const unknown = kinds.filter((kind) => !SINK_KINDS.includes(kind));
  if (unknown.length > 0 || !kinds.includes("healthy")) {
    console.error(`--kinds must include healthy and only ${SINK_KINDS.join(", ")}\n${USAGE}`);
    process.exit(2);
  }
  const options = {
    kinds,
    rounds: Math.max(1, positive("rounds", values.rounds, true)),
    durationMs: positive("duration", values.duration, false) * 1000,
    warmupMs: positive("warmup", values.warmup, false) * 1000,
    settleMs: positive("settle", values.settle, false) * 1000,
    concurrency: Math.max(1, positive("concurrency", values.concurrency, true)),
    maxTokens: Math.max(1, positive("max-tokens", values["max-tokens"], true)),
    env: {
      ...(values["otlp-timeout-ms"] !== undefined
        ? {
            OTEL_EXPORTER_OTLP_TIMEOUT: String(
              positive("otlp-timeout-ms", values["otlp-timeout-ms"], true),
            ),
          }
        : {}),
      ...(values["batch-delay-ms"] !== undefined
        ? {
            OTEL_BSP_SCHEDULE_DELAY: String(
              positive("batch-delay-ms", values["batch-delay-ms"], true),
            ),
          }
        : {}),
    },
  };
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const loadBefore = load();
  const runs = await measureExporterFaults({
    ...options,
    onProgress: (line) => console.error(line),
  });
  console.log(
    `Exporter faults: ${options.rounds} round(s) × ${kinds.length} collectors, ` +
      `${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s measured each, ` +
      `${options.concurrency} keep-alive clients, max_tokens ${options.maxTokens}, --fast engine` +
      `${Object.keys(options.env).length > 0 ? `, ${JSON.stringify(options.env)}` : ""}. ` +
      `${availableParallelism()} CPUs; load average ${loadBefore} before, ${load()} after.\n`,
  );
  console.log(formatTable(summarize(runs)));
  console.log(
    "\nMedians over rounds; × healthy is the median of per-round ratios to that round's " +
      "healthy run. RSS and heap are read from /metrics at the end of each run (heap: the " +
      "HTTP thread only). spans ended = 2 × llm_journey_requests_total (warm-up included).",
  );
  if (values.json) console.log(JSON.stringify(runs, null, 2));
}
