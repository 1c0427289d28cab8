// Section 4: memory, in a child process with --expose-gc (see memory-child.mjs).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sig, summary } from "../lib/stats.mjs";

/** `env`: more environment for the child, such as LLM_JOURNEY_BENCH_ROOT (bench/compare.mjs). */
export async function runMemory({ smoke, env = {} }) {
  const child = fork(fileURLToPath(new URL("./memory-child.mjs", import.meta.url)), [], {
    execArgv: ["--expose-gc"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const reply = await new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`memory child exited (${code})`)));
    child.send({ smoke });
  }).finally(() => {
    if (child.connected) child.disconnect();
  });
  if (reply.type === "error") throw new Error(reply.message);
  const { count, rounds, drained } = reply.value;
  const bytes = (pick) => summary(rounds.map(pick), 0);
  const total = bytes((round) => round.total);
  return {
    active: {
      concurrent_requests: count,
      state:
        "API handle (attributes, ARRIVED, HANDOFF_TO_CORE, FIRST_RESPONSE_FROM_CORE) + core journey (QUEUED, SCHEDULED, FIRST_TOKEN) + both SDK spans",
      bytes_per_request: total,
      api_layer_bytes: bytes((round) => round.api),
      core_layer_bytes: bytes((round) => round.core),
      sdk_floor_bytes: bytes((round) => round.sdkFloor),
      open_spans_while_measured: rounds[0].open,
    },
    drain: {
      ...drained,
      heapGrowthMiB: sig(drained.heapGrowthMiB, 3),
    },
    bytes_per_active_request: Math.round(total.median),
    // llm-journey's own share: the same spans and events straight to the SDK subtracted.
    bytes_per_active_request_own: Math.round(
      total.median -
        summary(
          rounds.map((round) => round.sdkFloor),
          0,
        ).median,
    ),
    residual_entries_after_drain: drained.residualTotal,
  };
}
