// Pinning processes to one CPU with taskset, where it exists. The virtual CPUs of a shared
// machine are not alike: one was measured running the same code 1.5× slower than the
// other for minutes, then not. Unpinned, two measurements meant to be compared can land
// on different CPUs, and that difference swamps a 1% effect.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";

const TASKSET = "/usr/bin/taskset";

let pinning;

/**
 * Whether taskset is there and may set CPUs (a container may forbid it); asked once, on
 * first use, so the processes that only import this module spawn nothing.
 */
function canPin() {
  if (pinning === undefined) {
    try {
      pinning = process.platform === "linux" && existsSync(TASKSET);
      if (pinning) execFileSync(TASKSET, ["-c", "0", "true"], { stdio: "ignore" });
    } catch {
      pinning = false;
    }
  }
  return pinning;
}

/** The command and arguments that run `command args` on `cpu` (as given where it cannot). */
export function onCpu(cpu, command, args) {
  if (!canPin()) return [command, args];
  return [TASKSET, ["-c", String(cpu % availableParallelism()), command, ...args]];
}

/**
 * Moves every thread of this process to `cpu`; returns the function that gives them back
 * the CPUs they had. Does nothing where taskset is missing.
 */
export function pinThisProcess(cpu) {
  if (!canPin()) return () => {};
  const pid = String(process.pid);
  const mask = execFileSync(TASKSET, ["-p", pid], { encoding: "utf8" }).trim().split(/\s+/).at(-1);
  execFileSync(TASKSET, ["-a", "-p", "-c", String(cpu % availableParallelism()), pid]);
  return () => execFileSync(TASKSET, ["-a", "-p", mask, pid]);
}
