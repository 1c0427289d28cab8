// Section 5 (and the server half of section 3): the demo server as a child process under
// load, streaming and non-streaming, with tracing off, at rate 1 and at rate 0.1.
import { processCpuSeconds, startDemoServer } from "../lib/demo-server.mjs";
import { loadGeneratorName, runLoad } from "../lib/load.mjs";
import { median, sig, summary } from "../lib/stats.mjs";
import { legacyBufferBuilt } from "../lib/workspace.mjs";

/** Small outputs and no simulated step time: the server and its tracing are measured. */
const COMMON_FLAGS = ["--fast"];
const CONNECTIONS = 32;
const MAX_TOKENS = 16;

const body = (stream) =>
  JSON.stringify({
    model: "llm-journey-simulated",
    messages: [{ role: "user", content: "Where does my time go?" }],
    max_tokens: MAX_TOKENS,
    ...(stream ? { stream: true } : {}),
  });

const KINDS = { "non-streaming": body(false), streaming: body(true) };

export async function runServer({ smoke }) {
  const configs = [
    { name: "off", flags: ["--no-journey-tracing"] },
    { name: "rate 1", flags: ["--journey-tracing-sample-rate", "1"] },
    { name: "rate 0.1", flags: ["--journey-tracing-sample-rate", "0.1"] },
  ];
  const notes = [];
  if (legacyBufferBuilt()) {
    configs.push(
      { name: "legacy", flags: ["--tracing-mode", "legacy"], mode: true },
      { name: "dual", flags: ["--tracing-mode", "dual"], mode: true },
    );
  } else {
    notes.push("legacy/dual: packages/legacy-buffer/dist does not exist");
  }
  const started = await Promise.allSettled(
    configs.map((config) => startDemoServer([...COMMON_FLAGS, ...config.flags])),
  );
  const servers = [];
  for (const [i, outcome] of started.entries()) {
    if (outcome.status === "fulfilled") servers.push({ ...configs[i], ...outcome.value });
    else if (configs[i].mode) {
      notes.push(`${configs[i].name}: the demo server did not start: ${firstLine(outcome.reason)}`);
    } else throw outcome.reason;
  }
  const durationSec = smoke ? 0.4 : 2.5;
  const rounds = smoke ? 1 : 6;
  const runs = [];
  try {
    // Warm-up: JIT, connection pools and the journey store's first 500 traces.
    for (const server of servers) {
      for (const kindBody of Object.values(KINDS)) {
        await runLoad({
          url: `${server.url}/v1/chat/completions`,
          body: kindBody,
          connections: CONNECTIONS,
          durationSec: smoke ? 0.2 : 1.5,
        });
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const [kind, kindBody] of Object.entries(KINDS)) {
        for (let k = 0; k < servers.length; k++) {
          const server = servers[(round + k) % servers.length];
          const cpuBefore = processCpuSeconds(server.pid);
          const result = await runLoad({
            url: `${server.url}/v1/chat/completions`,
            body: kindBody,
            connections: CONNECTIONS,
            durationSec,
            maxRequests: 500_000,
          });
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
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  return summarize(runs, servers, notes, { durationSec, rounds });
}

function summarize(runs, servers, notes, { durationSec, rounds }) {
  const table = [];
  const ratios = {};
  for (const kind of Object.keys(KINDS)) {
    for (const server of servers) {
      const mine = runs.filter((run) => run.kind === kind && run.config === server.name);
      const off = runs.filter((run) => run.kind === kind && run.config === "off");
      const ratio = mine.map((run, i) => run.rps / off[i].rps);
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
        failures: mine.reduce((sum, run) => sum + run.failures, 0),
      });
      ratios[`${server.name}|${kind}`] = median(ratio);
    }
  }
  const cpuOf = (config, kind) =>
    table.find((row) => row.config === config && row.kind === kind)?.server_cpu_us_per_request;
  const modes = {};
  for (const mode of ["spans", "legacy", "dual"]) {
    const config = mode === "spans" ? "rate 1" : mode;
    modes[mode] = Object.fromEntries(
      Object.keys(KINDS).map((kind) => {
        const cpu = cpuOf(config, kind);
        return [
          kind,
          cpu === undefined
            ? null
            : {
                server_cpu_us_per_request: cpu,
                added_cpu_us_per_request: sig(cpu - cpuOf("off", kind), 3),
                throughput_ratio_to_off: sig(ratios[`${config}|${kind}`], 3),
              },
        ];
      }),
    );
  }
  return {
    load: {
      generator: loadGeneratorName(),
      connections: CONNECTIONS,
      seconds_per_run: durationSec,
      rounds,
      request: `POST /v1/chat/completions, max_tokens ${MAX_TOKENS}, server flags ${COMMON_FLAGS.join(" ")}`,
    },
    runs: table,
    modes,
    notes,
    server_throughput_ratio_rate1: sig(
      Math.min(ratios["rate 1|non-streaming"], ratios["rate 1|streaming"]),
      3,
    ),
  };
}

function firstLine(error) {
  return String(error?.message ?? error).split("\n")[0];
}
