#!/usr/bin/env node
// Compares two builds side by side, interleaved and paired, for the before/after of a fix:
//   node bench/compare.mjs --base=/path/to/other/checkout [--section=micro|memory|server] [--smoke]
// The other checkout must be built (its packages' dist folders) and have its
// node_modules; this one's bench code drives both.
// - micro (default): the sampled-out and traced request of section 2, in-process; the
//   traced one beside the SDK floor (the same spans written straight to the SDK).
// - memory: section 4's retained heap per traced request in flight, each build's in its
//   own child, one after the other (heap sizes after full GCs do not need interleaving).
// - server: the demo server of each build at --rate (default 1) with OTLP export to a
//   sink of its own, beside this build's server with tracing off (section 5's driver):
//   CPU per request added to off, and OTLP bytes per request.
import { parseArgs } from "node:util";
import { paired, runInterleaved } from "./lib/interleave.mjs";
import { runMemory } from "./sections/memory.mjs";
import { addedCpu, measureServers } from "./sections/server.mjs";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    section: { type: "string", default: "micro" },
    rate: { type: "string", default: "1" },
    rounds: { type: "string", default: "6" },
    smoke: { type: "boolean", default: false },
  },
});
if (!values.base) throw new Error("--base=<path of the checkout to compare with> is required");
if (values.section === "micro") await compareMicro();
else if (values.section === "memory") await compareMemory();
else if (values.section === "server") await compareServer();
else throw new Error(`--section: micro, memory or server, got ${values.section}`);

async function compareMicro() {
  const script = new URL("./sections/micro-variant.mjs", import.meta.url);
  const base = { LLM_JOURNEY_BENCH_ROOT: values.base };
  const groups = [
    ["sampled-out", "both layers", values.smoke ? 5_000 : 200_000, (v) => v.cpuNs, "ns CPU"],
    ["traced", "traced", values.smoke ? 200 : 2_000, (v) => v.cpuNs / 1000, "µs CPU", "sdk floor"],
  ];
  const rows = [];
  for (const [group, variant, requests, pick, unit, floor] of groups) {
    const { results } = await runInterleaved({
      script,
      variants: [
        "baseline",
        { label: "before", variant, env: base },
        { label: "after", variant, env: {} },
        ...(floor ? [floor] : []),
      ],
      args: { group, requests },
      warmup: values.smoke ? 1 : 20,
      rounds: values.smoke ? 3 : 60,
      batches: values.smoke ? 1 : 2,
    });
    const before = paired(results, "before", "baseline", pick);
    const after = paired(results, "after", "baseline", pick);
    const spreadOf = ({ diff }) => `${diff.p25}–${diff.p75}`;
    const change = (after.diffOfMedians / before.diffOfMedians).toFixed(3);
    rows.push(
      `| ${group} ${variant} (${unit}) | ${before.diffOfMedians} (${spreadOf(before)}) | ${after.diffOfMedians} (${spreadOf(after)}) | ${change} |`,
    );
    if (floor) {
      // The SDK floor ran in the same cycles: each build's cost as a multiple of it.
      const sdk = paired(results, floor, "baseline", pick).diffOfMedians;
      const times = ({ diffOfMedians }) => (diffOfMedians / sdk).toFixed(3);
      rows.push(
        `| ${group} ${variant} ÷ ${floor} (${sdk} ${unit}, same run) | ${times(before)} | ${times(after)} | |`,
      );
    }
  }
  console.log(
    "| added cost per request (difference of medians) | before (per-cycle IQR) | after (per-cycle IQR) | after / before |",
  );
  console.log("| --- | --- | --- | --- |");
  console.log(rows.join("\n"));
}

async function compareMemory() {
  const before = await runMemory({
    smoke: values.smoke,
    env: { LLM_JOURNEY_BENCH_ROOT: values.base },
  });
  const after = await runMemory({ smoke: values.smoke });
  const rows = [
    ["llm-journey's own (over the SDK floor)", (m) => m.bytes_per_active_request_own],
    ["all of it, SDK spans included", (m) => m.bytes_per_active_request],
    ["API layer", (m) => Math.round(m.active.api_layer_bytes.median)],
    ["core layer", (m) => Math.round(m.active.core_layer_bytes.median)],
    ["SDK floor", (m) => Math.round(m.active.sdk_floor_bytes.median)],
  ];
  console.log(
    "| bytes per traced request in flight (median of rounds) | before | after | after − before |",
  );
  console.log("| --- | --- | --- | --- |");
  for (const [name, pick] of rows) {
    console.log(`| ${name} | ${pick(before)} | ${pick(after)} | ${pick(after) - pick(before)} |`);
  }
  const residual = [before, after].map((m) => m.residual_entries_after_drain);
  if (residual.some((left) => left !== 0))
    throw new Error(`entries left after the drain: ${residual}`);
}

async function compareServer() {
  const flags = ["--journey-tracing-sample-rate", values.rate];
  const { runs, exported } = await measureServers(
    [
      { name: "off", flags: ["--no-journey-tracing"] },
      { name: "before", flags, otlp: true, root: values.base },
      { name: "after", flags, otlp: true },
    ],
    { smoke: values.smoke, rounds: Number(values.rounds) },
  );
  const before = addedCpu(runs, "before");
  const after = addedCpu(runs, "after");
  const cell = (s) => `${s.median} (${s.p25}–${s.p75})`;
  console.log(
    `| rate ${values.rate} + OTLP, server CPU µs per request added to off (median of rounds, IQR) | before | after | after / before |`,
  );
  console.log("| --- | --- | --- | --- |");
  for (const kind of Object.keys(before)) {
    const change = (after[kind].median / before[kind].median).toFixed(3);
    console.log(`| ${kind} | ${cell(before[kind])} | ${cell(after[kind])} | ${change} |`);
  }
  const b = exported.before;
  const a = exported.after;
  console.log(
    `| OTLP bytes per request | ${b.bytes_per_request} (${b.protocol}) | ${a.bytes_per_request} (${a.protocol}) | ${(a.bytes_per_request / b.bytes_per_request).toFixed(3)} |`,
  );
}
