#!/usr/bin/env node
// llm-journey benchmark: what tracing costs, side by side with tracing off, with the SDK
// alone and with the stock HTTP instrumentation, against the goals in bench/README.md.
// Usage: node --expose-gc bench/run.mjs [--smoke] [--only=scheduler,micro,memory,server,llama-cpp]
//        [--out=path]. Needs the workspace built (`npm run build`). See bench/README.md.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machine, machineNow } from "./lib/machine.mjs";
import { markdown, verdicts } from "./lib/report.mjs";
import { assertBuilt } from "./lib/workspace.mjs";
import { runLlamaCpp } from "./sections/llama-cpp.mjs";
import { runMemory } from "./sections/memory.mjs";
import { runMicro } from "./sections/micro.mjs";
import { runSchedulerLoop } from "./sections/scheduler-loop.mjs";
import { runServer } from "./sections/server.mjs";

const SECTIONS = {
  scheduler: runSchedulerLoop,
  micro: runMicro,
  memory: runMemory,
  server: runServer,
  "llama-cpp": runLlamaCpp,
};

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
  },
});
const only = values.only ? values.only.split(",") : Object.keys(SECTIONS);
for (const name of only) {
  if (!(name in SECTIONS)) throw new Error(`--only: unknown section ${name}`);
}
// A smoke run or a partial run must not replace the published figures.
const out =
  values.out ??
  (values.smoke || values.only
    ? join(tmpdir(), "llm-journey-bench.json")
    : fileURLToPath(new URL("./latest.json", import.meta.url)));

assertBuilt();
const { load_average_1m: loadBefore } = machineNow();
if (loadBefore > 1.5) {
  console.warn(
    `bench: load average ${loadBefore} on ${machine().cores} cores: other work is running, the figures will be noisy`,
  );
}
const started = performance.now();
const result = {
  date: new Date().toISOString(),
  smoke: values.smoke,
  machine: machine(),
  load: { before: machineNow() },
  sections: {},
};
for (const name of only) {
  const t = performance.now();
  process.stderr.write(`bench: ${name}…`);
  result.sections[name] = await SECTIONS[name]({ smoke: values.smoke });
  process.stderr.write(` ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}
result.load.after = machineNow();
result.seconds = Number(((performance.now() - started) / 1000).toFixed(1));

const s = result.sections;
const keys = {
  disabled_ratio: s.scheduler?.disabled_ratio ?? null,
  sampled_out_ns_per_request: s.micro?.sampled_out_ns_per_request ?? null,
  traced_journey_us: s.micro?.traced_journey_us ?? null,
  traced_journey_sdk_floor_us: s.micro?.traced_journey_sdk_floor_us ?? null,
  traced_journey_ratio_to_hand_written: s.micro?.traced_journey_ratio_to_hand_written ?? null,
  server_added_cpu_ratio_to_peer: s.server?.server_added_cpu_ratio_to_peer ?? null,
  server_sampled_out_added_cpu_pct: s.server?.server_sampled_out_added_cpu_pct ?? null,
  otlp_bytes_per_traced_request: s.server?.otlp_bytes_per_traced_request ?? null,
  bytes_per_active_request: s.memory?.bytes_per_active_request ?? null,
  bytes_per_active_request_own: s.memory?.bytes_per_active_request_own ?? null,
  residual_entries_after_drain: s.memory?.residual_entries_after_drain ?? null,
  llama_cpp_tiny_rate1_loss_pct: s["llama-cpp"]?.llama_cpp_tiny_rate1_loss_pct ?? null,
  llama_cpp_larger_rate1_loss_pct: s["llama-cpp"]?.llama_cpp_larger_rate1_loss_pct ?? null,
};
/** The section each key comes from. */
const SECTION_OF = {
  disabled_ratio: "scheduler",
  sampled_out_ns_per_request: "micro",
  traced_journey_us: "micro",
  traced_journey_sdk_floor_us: "micro",
  traced_journey_ratio_to_hand_written: "micro",
  server_added_cpu_ratio_to_peer: "server",
  server_sampled_out_added_cpu_pct: "server",
  otlp_bytes_per_traced_request: "server",
  bytes_per_active_request: "memory",
  bytes_per_active_request_own: "memory",
  residual_entries_after_drain: "memory",
  llama_cpp_tiny_rate1_loss_pct: "llama-cpp",
  llama_cpp_larger_rate1_loss_pct: "llama-cpp",
};
const report = { ...keys, ...result, goals: verdicts(keys) };
report.problems = problems(report);
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(markdown(report));
console.log(`\n${result.seconds} s; written to ${out}`);
if (report.problems.length > 0) {
  console.error(
    `\nbench: ${report.problems.length} problem(s):\n- ${report.problems.join("\n- ")}`,
  );
  process.exitCode = 1;
}

/**
 * What must hold whatever the timings: every key measured, every span ended and
 * exported, nothing left tracked, no failed request. Performance goals are reported,
 * never asserted.
 */
function problems(report) {
  const found = [];
  const s = report.sections;
  for (const [key, value] of Object.entries(keys)) {
    if (only.includes(SECTION_OF[key]) && !Number.isFinite(value)) {
      found.push(`${key} is not a number`);
    }
  }
  for (const [variant, v] of Object.entries(s.scheduler?.variants ?? {})) {
    const c = v.checks;
    if (c.spansExported !== c.spansExpected) {
      found.push(
        `scheduler ${variant}: ${c.spansExported} spans exported, ${c.spansExpected} expected`,
      );
    }
    if (c.trackedEntriesLeft !== 0 || c.activeSpansLeft !== 0)
      found.push(`scheduler ${variant}: entries left`);
  }
  const modeChecks = ["spans", "legacy", "dual"].map((mode) => s.micro?.modes?.[mode]?.checks);
  const watchdogChecks = s.micro?.watchdog?.checks;
  for (const c of [
    s.micro?.sampled_out.checks,
    s.micro?.traced.checks,
    s.micro?.traced.per_event_checks,
    watchdogChecks,
    ...modeChecks,
  ].filter(Boolean)) {
    if (c.sdkSpansStarted !== c.sdkSpansEnded || c.trackedEntriesLeft !== 0) {
      found.push(`micro: ${JSON.stringify(c)}`);
    }
  }
  const d = s.memory?.drain;
  if (d) {
    if (d.residualTotal !== 0) found.push(`drain: ${JSON.stringify(d.residual)}`);
    if (d.sdkSpans.started !== d.sdkSpans.ended) found.push(`drain: SDK spans not all ended`);
    if (!d.schedulerIdle) found.push("drain: the scheduler is not idle");
  }
  for (const r of s.server?.runs ?? []) {
    if (r.failures > 0) found.push(`server ${r.config} ${r.kind}: ${r.failures} failed requests`);
  }
  for (const [config, e] of Object.entries(s.server?.export ?? {})) {
    if (!(e.bytes > 0)) found.push(`server ${config}: nothing reached the OTLP sink`);
    if (e.spans_dropped !== null && e.spans_dropped > 0) {
      found.push(`server ${config}: ${e.spans_dropped} spans dropped before export`);
    }
  }
  for (const [size, m] of Object.entries(s["llama-cpp"]?.models ?? {})) {
    for (const [variant, v] of Object.entries(m.variants)) {
      const c = v.checks;
      if (c.spansExported !== c.spansExpected || c.apiSpansExported !== c.spansExpected) {
        found.push(
          `llama-cpp ${size} ${variant}: ${c.apiSpansExported} llm_request and ${c.spansExported} llm_core spans exported of ${c.spansExpected}`,
        );
      }
      if (c.trackedEntriesLeft !== 0 || c.activeSpansLeft !== 0) {
        found.push(`llama-cpp ${size} ${variant}: entries left`);
      }
    }
  }
  return found;
}
