// What the figures were measured on, and how busy the machine was meanwhile.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { versions } from "./workspace.mjs";

function cpuPressure() {
  try {
    // "some avg10=…": share of the last 10 s in which a runnable task waited for a CPU.
    const line = readFileSync("/proc/pressure/cpu", "utf8").split("\n")[0];
    return Number(/avg60=([\d.]+)/.exec(line)?.[1]);
  } catch {
    return null;
  }
}

export function machineNow() {
  return { load_average_1m: Number(loadavg()[0].toFixed(2)), cpu_pressure_avg60: cpuPressure() };
}

export function machine() {
  return {
    cpu_model: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    memory_gib: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    ...versions(),
  };
}
