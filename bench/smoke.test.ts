import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const RUN = fileURLToPath(new URL("./run.mjs", import.meta.url));
const KEYS = [
  "disabled_ratio",
  "sampled_out_ns_per_request",
  "traced_journey_us",
  "traced_journey_sdk_floor_us",
  "server_added_cpu_ratio_to_peer",
  "server_sampled_out_added_cpu_pct",
  "otlp_bytes_per_traced_request",
  "bytes_per_active_request",
  "bytes_per_active_request_own",
  "residual_entries_after_drain",
  "llama_cpp_tiny_rate1_loss_pct",
  "llama_cpp_larger_rate1_loss_pct",
];

it("the bench still runs end to end (smoke counts) and writes every key", async () => {
  const dir = await mkdtemp(join(tmpdir(), "llm-journey-bench-"));
  try {
    const out = join(dir, "smoke.json");
    await promisify(execFile)(process.execPath, ["--expose-gc", RUN, "--smoke", `--out=${out}`], {
      timeout: 280_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = JSON.parse(await readFile(out, "utf8")) as Record<string, unknown>;
    for (const key of KEYS) expect(typeof result[key], key).toBe("number");
    // Functional, not a figure: nothing is left behind even in a tiny run.
    expect(result.residual_entries_after_drain).toBe(0);
    expect(result.machine).toMatchObject({ cores: expect.any(Number), node: process.version });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
