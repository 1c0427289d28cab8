// Runs variants of one measurement side by side: one child process per variant (so each
// sees only its own tracer, as a real process does, and no variant's JIT feedback leaks
// into another's), driven in rounds whose order rotates, so slow phases of a shared
// machine hit every variant alike. Results are compared within a cycle (paired).
import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { onCpu } from "./cpu.mjs";
import { median, summary } from "./stats.mjs";

function ask(child, message) {
  return new Promise((resolve, reject) => {
    const onMessage = (reply) => {
      cleanup();
      if (reply?.type === "error") reject(new Error(`${message.type}: ${reply.message}`));
      else resolve(reply?.value);
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`variant process exited (${code}) during ${message.type}`));
    };
    const cleanup = () => {
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
    child.send(message);
  });
}

/**
 * Every variant of a batch on the same CPU (see lib/cpu.mjs): pinned, two variants of one
 * cycle share whatever their CPU suffers. Successive batches take the CPUs in turn.
 */
function pinned(execArgv, batch) {
  const [execPath, args] = onCpu(availableParallelism() - 1 + batch, process.execPath, execArgv);
  return { execPath, execArgv: args };
}

/** Counters reported by `finish` that add up over batches; other fields are kept as is. */
const COUNTER = /spans|left|expected|exported|started|ended|requests|batches/i;

/**
 * Runs `batches` batches (default 1). Each forks `script` once per variant, runs
 * `warmup` cycles, then its share of `rounds` cycles; every cycle runs each variant
 * once, starting with a different one each time. Fresh processes per batch: a process
 * has its own heap layout and JIT decisions, worth a few percent either way (an A/A
 * control of two identical processes measured 0.956), so the rounds of several batches
 * are pooled. Returns each variant's round results and its `finish` reports, merged.
 */
export async function runInterleaved({
  script,
  variants,
  args = {},
  warmup,
  rounds,
  batches = 1,
  execArgv = [],
}) {
  const path = script instanceof URL ? fileURLToPath(script) : script;
  // A variant is its name, or { label, variant, env } to run one variant under another
  // environment (for example LLM_JOURNEY_BENCH_ROOT, to compare two builds).
  const specs = variants.map((spec) =>
    typeof spec === "string" ? { label: spec, variant: spec, env: {} } : spec,
  );
  const results = Object.fromEntries(specs.map(({ label }) => [label, []]));
  const finished = {};
  for (let batch = 0; batch < batches; batch++) {
    const share =
      Math.ceil((rounds * (batch + 1)) / batches) - Math.ceil((rounds * batch) / batches);
    const children = specs.map(({ env }) =>
      fork(path, [], {
        ...pinned(execArgv, batch),
        env: { ...process.env, ...env },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );
    try {
      for (const [i, child] of children.entries()) {
        await ask(child, { type: "setup", variant: specs[i].variant, args });
      }
      for (let cycle = 0; cycle < warmup + share; cycle++) {
        for (let k = 0; k < specs.length; k++) {
          const i = (cycle + k) % specs.length;
          const value = await ask(children[i], { type: "round" });
          if (cycle >= warmup) results[specs[i].label].push(value);
        }
      }
      for (const [i, child] of children.entries()) {
        const report = await ask(child, { type: "finish" });
        finished[specs[i].label] = merge(finished[specs[i].label], report);
        child.disconnect();
      }
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
    }
  }
  return { results, finished };
}

/** Merges one batch's report into the total, into nested objects too (per-variant reports). */
function merge(total, report) {
  if (total === undefined || report === null || typeof report !== "object") return report;
  const merged = { ...report };
  for (const [key, value] of Object.entries(report)) {
    if (COUNTER.test(key) && typeof value === "number" && typeof total[key] === "number") {
      merged[key] = total[key] + value;
    } else if (typeof value === "object" && typeof total[key] === "object") {
      merged[key] = merge(total[key], value);
    }
  }
  return merged;
}

/**
 * The child side: `create(variant, args)` returns `{ round(), finish?() }`. No forced GC
 * between rounds: a full GC clears V8's inline caches and shrinks the young generation,
 * and the rounds after it measure re-warming instead of steady state.
 */
export function serveVariant(create) {
  let runner;
  process.on("message", async (message) => {
    try {
      let value;
      if (message.type === "setup") {
        runner = await create(message.variant, message.args);
      } else if (message.type === "round") {
        value = await runner.round();
      } else if (message.type === "finish") {
        value = (await runner.finish?.()) ?? null;
      }
      process.send({ type: "ok", value });
    } catch (error) {
      process.send({ type: "error", message: error?.stack ?? String(error) });
    }
  });
  // The parent closes the channel once it has read the last reply. Exiting on our own
  // right after sending could beat the reply: the parent may see the exit first.
  process.once("disconnect", () => process.exit(0));
}

/**
 * `variant` against `base`: the ratio and the difference of their medians over rounds
 * (the figures reported), and the per-cycle ratios and differences with their spread.
 */
export function paired(results, variant, base, pick = (value) => value) {
  const a = results[variant].map(pick);
  const b = results[base].map(pick);
  return {
    ratioOfMedians: Number((median(a) / median(b)).toFixed(4)),
    diffOfMedians: Number((median(a) - median(b)).toPrecision(4)),
    ratio: summary(a.map((value, i) => value / b[i])),
    diff: summary(a.map((value, i) => value - b[i])),
  };
}
