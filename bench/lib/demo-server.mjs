// The demo server as a child process on a loopback port, and its CPU time.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { onCpu } from "./cpu.mjs";
import { rootPath } from "./workspace.mjs";

const running = new Set();
const killAll = () => {
  for (const child of running) child.kill("SIGKILL");
};
process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    killAll();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

/**
 * The flags every harness's server starts with: a free loopback port, no log lines, no
 * grace at shutdown.
 */
export const HARNESS_FLAGS = Object.freeze([
  "--host",
  "127.0.0.1",
  "--port",
  "0",
  "--log-level",
  "silent",
  "--shutdown-grace-ms",
  "0",
]);

/**
 * Starts `node [execArgv] apps/demo-server/dist/main.js --port 0 <flags>` on 127.0.0.1
 * (of the measured checkout, or of `root`) and resolves once it prints its URL with
 * `{ url, pid, stderrLines(), stop(), kill() }`: `stop()` asks it to shut down, `kill()`
 * ends it at once. Rejects with its output if it exits first. OTEL_* variables are not
 * passed on: a server exports only where its flags (or `env`) say. `cpu` pins every
 * thread of it to that CPU (see lib/cpu.mjs).
 */
export function startDemoServer(
  flags,
  { timeoutMs = 90_000, env: extraEnv = {}, execArgv = [], root, cpu } = {},
) {
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("OTEL_")),
    ),
    ...extraEnv,
  };
  const main =
    root === undefined
      ? rootPath("apps/demo-server/dist/main.js")
      : join(root, "apps/demo-server/dist/main.js");
  if (!existsSync(main)) {
    return Promise.reject(new Error(`${main} not found: build @llm-journey/demo-server first`));
  }
  const args = [...execArgv, main, ...HARNESS_FLAGS, ...flags];
  const [command, commandArgs] =
    cpu === undefined ? [process.execPath, args] : onCpu(cpu, process.execPath, args);
  const child = spawn(command, commandArgs, {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  // stderr as lines (the tracing error handler's warnings among them), kept for the caller.
  const lines = [];
  let partial = "";
  child.stderr.setEncoding("utf8").on("data", (chunk) => {
    output += chunk;
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts.filter((line) => line.trim() !== ""));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`demo server did not start in ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.stdout.resume();
        resolve({
          url: match[1],
          pid: child.pid,
          stderrLines: () => (partial.trim() === "" ? [...lines] : [...lines, partial]),
          stop: () => stopChild(child, "SIGTERM"),
          kill: () => stopChild(child, "SIGKILL"),
        });
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.once("exit", (code) => {
      running.delete(child);
      clearTimeout(timer);
      reject(new Error(`demo server exited (${code}): ${output.trim()}`));
    });
  });
}

function stopChild(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      running.delete(child);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * CPU seconds a process has used, every thread: the sum of its threads' run time in
 * nanoseconds from /proc/<pid>/task/<tid>/schedstat, where the kernel has it, else user +
 * system time from /proc/<pid>/stat, which counts in ticks of 10 ms (half a percent of a
 * round's CPU). The demo server's threads (the HTTP thread, the engine worker, V8's and
 * libuv's helpers) live as long as the process, so no thread's time is lost between two
 * readings.
 */
export function processCpuSeconds(pid) {
  try {
    let nanos = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        nanos += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    if (Number.isFinite(nanos) && nanos > 0) return nanos / 1e9;
  } catch {
    // No schedstat on this kernel: ticks below.
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may contain spaces, in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime at USER_HZ=100
  } catch {
    return Number.NaN;
  }
}
