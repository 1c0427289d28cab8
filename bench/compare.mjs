#!/usr/bin/env node
// Compares the micro figures of two builds side by side, interleaved and paired:
//   node bench/compare.mjs --base=/path/to/other/checkout [--smoke]
// The other checkout must be built (its packages' dist folders) and have its
// node_modules; this one's bench code drives both. Used for the before/after of a fix.
import { parseArgs } from "node:util";
import { paired, runInterleaved } from "./lib/interleave.mjs";

const { values } = parseArgs({
  options: { base: { type: "string" }, smoke: { type: "boolean", default: false } },
});
if (!values.base) throw new Error("--base=<path of the checkout to compare with> is required");
const script = new URL("./sections/micro-variant.mjs", import.meta.url);
const base = { LLM_JOURNEY_BENCH_ROOT: values.base };
const groups = [
  ["sampled-out", "both layers", values.smoke ? 5_000 : 200_000, (v) => v.cpuNs, "ns CPU"],
  ["traced", "traced", values.smoke ? 200 : 2_000, (v) => v.cpuNs / 1000, "µs CPU"],
];
const rows = [];
for (const [group, variant, requests, pick, unit] of groups) {
  const { results } = await runInterleaved({
    script,
    variants: [
      "baseline",
      { label: "before", variant, env: base },
      { label: "after", variant, env: {} },
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
}
console.log(
  "| added cost per request (difference of medians) | before (per-cycle IQR) | after (per-cycle IQR) | after / before |",
);
console.log("| --- | --- | --- | --- |");
console.log(rows.join("\n"));
