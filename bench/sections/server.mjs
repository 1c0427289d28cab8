// Section 5 (and the server half of section 3): the demo server as a child process under
// load, streaming and non-streaming: tracing off; the peer (tracing off, the stock
// OpenTelemetry HTTP auto-instrumentation registered, OTLP export); journey tracing at
// rate 1 with the embedded store only; at rate 1 and at rate 0.01 with OTLP export; a
// second tracing-off process, the A/A control that shows what the section can resolve;
// and the legacy and dual modes when they are built. Each exporting server has its own sink.
import { fileURLToPath } from "node:url";
import { pinThisProcess } from "../lib/cpu.mjs";
import { processCpuSeconds, startDemoServer } from "../lib/demo-server.mjs";
import { loadGeneratorName, runLoad } from "../lib/load.mjs";
import { protocolOf, startOtlpSink } from "../lib/otlp-sink.mjs";
import { median, sig, summary } from "../lib/stats.mjs";
import { legacyBufferBuilt } from "../lib/workspace.mjs";

/**
 * Rounds: short ones, many of them. A round's figure is paired with tracing off's in the
 * same round, and the closer in time two runs are, the less a shared machine's changing
 * load moves one and not the other.
 */
const ROUNDS = 8;
const ROUND_SECONDS = 1.5;
/** Requests each server serves of each kind before the rounds (or at most maxSeconds). */
const WARMUP = { requests: { "non-streaming": 30_000, streaming: 12_000 }, maxSeconds: 12 };

/** Small outputs and no simulated step time: the server and its tracing are measured. */
const COMMON_FLAGS = ["--fast"];
const CONNECTIONS = 32;
const MAX_TOKENS = 16;
/**
 * Every server on one CPU and the load generator (this process) on the other: each round
 * of every server then runs on the same CPU against the same client, whichever CPU of a
 * shared machine is slow at the time (see lib/cpu.mjs). On a quiet machine this narrowed
 * the round-to-round spread of every configuration (peer + OTLP's added CPU: IQR 89–140 %
 * unpinned, 98–107 % pinned).
 */
const SERVER_CPU = 1;
const LOAD_CPU = 0;
/**
 * Each server idles while the others are measured, and V8's memory reducer shrinks an
 * idle heap: the next round then paid for growing it back (the first round of the first
 * server, idle through every other's warm-up, measured 17–49 % over its later rounds).
 * A server under steady load never idles that long.
 */
const SERVER_V8_FLAGS = ["--no-memory-reducer"];
const PEER = fileURLToPath(new URL("../lib/peer-instrumentation.mjs", import.meta.url));

const body = (stream) =>
  JSON.stringify({
    model: "llm-journey-simulated",
    messages: [{ role: "user", content: "Where does my time go?" }],
    max_tokens: MAX_TOKENS,
    ...(stream ? { stream: true } : {}),
  });

const KINDS = { "non-streaming": body(false), streaming: body(true) };

/** The configurations the keys are computed from. */
const OFF = "off";
const CONTROL = "off, second process";
const PEER_OTLP = "peer + OTLP";
const RATE1_OTLP = "rate 1 + OTLP";
const RATE001_OTLP = "rate 0.01 + OTLP";

export async function runServer({ smoke }) {
  const configs = [
    { name: OFF, flags: ["--no-journey-tracing"] },
    { name: CONTROL, flags: ["--no-journey-tracing"] },
    { name: PEER_OTLP, flags: ["--no-journey-tracing"], peer: true, otlp: true },
    { name: "rate 1", flags: ["--journey-tracing-sample-rate", "1"] },
    { name: RATE1_OTLP, flags: ["--journey-tracing-sample-rate", "1"], otlp: true },
    { name: RATE001_OTLP, flags: ["--journey-tracing-sample-rate", "0.01"], otlp: true },
  ];
  const notes = [];
  if (legacyBufferBuilt()) {
    configs.push(
      { name: "legacy", flags: ["--tracing-mode", "legacy"], optional: true },
      { name: "dual", flags: ["--tracing-mode", "dual"], optional: true },
    );
  } else {
    notes.push("legacy/dual: packages/legacy-buffer/dist does not exist");
  }
  const measured = await measureServers(configs, { smoke });
  notes.push(...measured.notes);
  return summarize(measured.runs, measured.servers, notes, measured.exported, measured);
}

/**
 * Starts one demo server per configuration (`{ name, flags, peer?, otlp?, root?, env?,
 * optional? }`; `otlp` gives it a sink of its own, `root` another checkout's build, `env`
 * variables of its own such as OTEL_EXPORTER_OTLP_PROTOCOL),
 * loads them in interleaved rounds, stops them (flushing their exporters) and returns
 * every run, plus what each sink received. Every server is stopped whatever happens.
 */
export async function measureServers(configs, { smoke, rounds: wantedRounds }) {
  const notes = [];
  const sinks = new Map();
  const started = await Promise.allSettled(
    configs.map(async (config) => {
      const sink = config.otlp ? await startOtlpSink() : undefined;
      if (sink) sinks.set(config.name, sink);
      return startDemoServer(
        [
          ...COMMON_FLAGS,
          ...config.flags,
          ...(sink && !config.peer ? ["--otlp-traces-endpoint", sink.url] : []),
        ],
        {
          root: config.root,
          env: {
            ...config.env,
            ...(config.peer ? { LLM_JOURNEY_BENCH_PEER_OTLP_URL: sink.url } : {}),
          },
          execArgv: [...SERVER_V8_FLAGS, ...(config.peer ? ["--import", PEER] : [])],
          cpu: SERVER_CPU,
        },
      );
    }),
  );
  const servers = [];
  const closeSinks = () => Promise.all([...sinks.values()].map((sink) => sink.close()));
  for (const [i, outcome] of started.entries()) {
    if (outcome.status === "fulfilled") {
      servers.push({ ...configs[i], ...outcome.value, served: 0, dropped: null });
    } else if (configs[i].optional) {
      notes.push(`${configs[i].name}: the demo server did not start: ${firstLine(outcome.reason)}`);
    } else {
      await Promise.all(started.filter((o) => o.status === "fulfilled").map((o) => o.value.stop()));
      await closeSinks();
      throw outcome.reason;
    }
  }
  const durationSec = smoke ? 0.4 : ROUND_SECONDS;
  const rounds = smoke ? 1 : (wantedRounds ?? ROUNDS);
  const warmup = smoke ? { requests: 200, maxSeconds: 0.2 } : WARMUP;
  const runs = [];
  const unpin = pinThisProcess(LOAD_CPU);
  const load = async (server, kindBody, seconds) => {
    const result = await runLoad({
      url: `${server.url}/v1/chat/completions`,
      body: kindBody,
      connections: CONNECTIONS,
      durationSec: seconds,
      maxRequests: 500_000,
    });
    server.served += result.requests + result.failures;
    return result;
  };
  try {
    // Warm-up by requests served, not by time: V8 optimizes a function once it has run
    // enough, and at rate 0.01 the traced path and the OTLP serializer run on one request
    // in a hundred, so they reach optimized code a hundred times later in requests than
    // the untraced path. Measured sooner, the rounds counted their compilation (tens of
    // µs per request on a loaded machine) as the cost of a sampled-out request.
    for (const server of servers) {
      for (const [kind, kindBody] of Object.entries(KINDS)) {
        const target = warmup.requests[kind] ?? warmup.requests;
        const started = performance.now();
        let served = 0;
        while (served < target && performance.now() - started < warmup.maxSeconds * 1000) {
          const result = await load(server, kindBody, 1);
          served += result.requests;
        }
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const [kind, kindBody] of Object.entries(KINDS)) {
        for (let k = 0; k < servers.length; k++) {
          const server = servers[(round + k) % servers.length];
          const cpuBefore = processCpuSeconds(server.pid);
          const result = await load(server, kindBody, durationSec);
          const cpuSeconds = processCpuSeconds(server.pid) - cpuBefore;
          runs.push({
            config: server.name,
            kind,
            round,
            ...result,
            serverCpuUsPerRequest: (cpuSeconds * 1e6) / result.requests,
          });
        }
      }
    }
    for (const server of servers) {
      if (!server.peer && server.otlp) server.dropped = await spansDropped(server.url);
    }
  } finally {
    unpin();
    // Stopping flushes each exporter's last batch to its sink before the counts are read.
    await Promise.all(servers.map((server) => server.stop()));
    await closeSinks();
  }
  const exported = Object.fromEntries(
    servers
      .filter((server) => server.otlp)
      .map((server) => {
        const { counts } = sinks.get(server.name);
        return [
          server.name,
          {
            protocol: protocolOf(counts),
            requests_served: server.served,
            export_requests: counts.requests,
            bytes: counts.bytes,
            bytes_per_request: server.served > 0 ? Math.round(counts.bytes / server.served) : null,
            spans_dropped: server.dropped,
          },
        ];
      }),
  );
  return { runs, servers, exported, notes, durationSec, rounds, warmup };
}

/** Per kind, the median over rounds of `config`'s CPU per request minus off's in the same round. */
export function addedCpu(runs, config, off = OFF) {
  return Object.fromEntries(
    Object.keys(KINDS).map((kind) => {
      const mine = runs.filter((run) => run.kind === kind && run.config === config);
      const base = runs.filter((run) => run.kind === kind && run.config === off);
      return [
        kind,
        summary(
          mine.map((run, i) => run.serverCpuUsPerRequest - base[i].serverCpuUsPerRequest),
          1,
        ),
      ];
    }),
  );
}

function summarize(runs, servers, notes, exported, { durationSec, rounds, warmup }) {
  const table = [];
  const ratios = {};
  const added = {};
  for (const kind of Object.keys(KINDS)) {
    const off = runs.filter((run) => run.kind === kind && run.config === OFF);
    const offCpu = median(off.map((run) => run.serverCpuUsPerRequest));
    for (const server of servers) {
      const mine = runs.filter((run) => run.kind === kind && run.config === server.name);
      const ratio = mine.map((run, i) => run.rps / off[i].rps);
      // Added CPU paired by round: each run against the off run of the same round.
      const addedCpu = mine.map(
        (run, i) => run.serverCpuUsPerRequest - off[i].serverCpuUsPerRequest,
      );
      table.push({
        config: server.name,
        kind,
        rps: sig(median(mine.map((run) => run.rps)), 4),
        rps_spread: summary(
          mine.map((run) => run.rps),
          0,
        ),
        p50_ms: sig(median(mine.map((run) => run.p50)), 3),
        p99_ms: sig(median(mine.map((run) => run.p99)), 3),
        ratio_to_off: summary(ratio, 3),
        server_cpu_us_per_request: sig(median(mine.map((run) => run.serverCpuUsPerRequest)), 4),
        added_cpu_us_per_request: summary(addedCpu, 1),
        added_cpu_pct_of_off: sig((median(addedCpu) / offCpu) * 100, 3),
        // The same paired differences in % of off's median, with their spread.
        added_cpu_pct_spread: summary(
          addedCpu.map((us) => (us / offCpu) * 100),
          2,
        ),
        failures: mine.reduce((sum, run) => sum + run.failures, 0),
      });
      ratios[`${server.name}|${kind}`] = median(ratio);
      added[`${server.name}|${kind}`] = median(addedCpu);
    }
  }
  const row = (config, kind) => table.find((r) => r.config === config && r.kind === kind);
  const modes = {};
  for (const mode of ["spans", "legacy", "dual"]) {
    const config = mode === "spans" ? "rate 1" : mode;
    modes[mode] = Object.fromEntries(
      Object.keys(KINDS).map((kind) => {
        const r = row(config, kind);
        return [
          kind,
          r === undefined
            ? null
            : {
                server_cpu_us_per_request: r.server_cpu_us_per_request,
                added_cpu_us_per_request: sig(added[`${config}|${kind}`], 3),
                throughput_ratio_to_off: sig(ratios[`${config}|${kind}`], 3),
              },
        ];
      }),
    );
  }
  const peer = Object.fromEntries(
    Object.keys(KINDS).map((kind) => {
      const journey = added[`${RATE1_OTLP}|${kind}`];
      const stock = added[`${PEER_OTLP}|${kind}`];
      return [
        kind,
        {
          peer_added_cpu_us: sig(stock, 3),
          journey_added_cpu_us: sig(journey, 3),
          ratio: sig(journey / stock, 3),
          sampled_out_added_cpu_us: sig(added[`${RATE001_OTLP}|${kind}`], 3),
          sampled_out_added_cpu_pct: row(RATE001_OTLP, kind).added_cpu_pct_of_off,
          sampled_out_added_cpu_pct_spread: row(RATE001_OTLP, kind).added_cpu_pct_spread,
          // Two processes of the same build, tracing off: what the section cannot tell apart.
          control_added_cpu_pct: row(CONTROL, kind)?.added_cpu_pct_of_off ?? null,
          control_added_cpu_pct_spread: row(CONTROL, kind)?.added_cpu_pct_spread ?? null,
        },
      ];
    }),
  );
  const kinds = Object.values(peer);
  return {
    load: {
      generator: loadGeneratorName(),
      connections: CONNECTIONS,
      seconds_per_run: durationSec,
      rounds,
      warmup_requests_per_server: warmup.requests,
      request: `POST /v1/chat/completions, max_tokens ${MAX_TOKENS}, server flags ${COMMON_FLAGS.join(" ")}`,
    },
    runs: table,
    peer,
    export: exported,
    modes,
    notes,
    server_added_cpu_ratio_to_peer: Math.max(...kinds.map((k) => k.ratio)),
    server_sampled_out_added_cpu_pct: Math.max(...kinds.map((k) => k.sampled_out_added_cpu_pct)),
    otlp_bytes_per_traced_request: exported[RATE1_OTLP]?.bytes_per_request ?? null,
  };
}

/** The server's `llm_journey_spans_dropped_total`, all layers; null if unreadable. */
async function spansDropped(url) {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    let total = 0;
    for (const match of text.matchAll(/^llm_journey_spans_dropped_total\{[^}]*\} (\S+)$/gm)) {
      total += Number(match[1]);
    }
    return total;
  } catch {
    return null;
  }
}

function firstLine(error) {
  return String(error?.message ?? error).split("\n")[0];
}
