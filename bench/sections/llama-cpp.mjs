// Section 6: a real engine. llama.cpp (node-llama-cpp's prebuilt CPU build, one thread)
// generating on a generated model behind @llm-journey/node-llama-cpp's engine, with
// tracing off, at rate 1 and sampled out, interleaved; on the tiny model (the worst
// case: a token costs a fraction of a millisecond) and on the larger one.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paired, runInterleaved } from "../lib/interleave.mjs";
import { summary } from "../lib/stats.mjs";
import { loadLlamaTesting } from "../lib/workspace.mjs";

/** Tracing off; both layers at rate 1; both layers with the API layer sampling out. */
const VARIANTS = ["off", "rate 1", "sampled out"];

/** Per model: requests at once (one per sequence), tokens each, rounds. */
const SHAPES = {
  tiny: { sequences: 4, maxTokens: 96, rounds: 60, warmup: 6, batches: 2 },
  larger: { sequences: 4, maxTokens: 24, rounds: 24, warmup: 3, batches: 2 },
};
const SMOKE = { maxTokens: 8, rounds: 2, warmup: 1, batches: 1 };

export async function runLlamaCpp({ smoke }) {
  const { writeGeneratedModel } = await loadLlamaTesting();
  const dir = await mkdtemp(join(tmpdir(), "llm-journey-bench-llama-"));
  const models = {};
  try {
    for (const [size, base] of Object.entries(SHAPES)) {
      const shape = smoke ? { ...base, ...SMOKE } : base;
      const written = writeGeneratedModel(join(dir, `${size}.gguf`), { size });
      const { results: rounds, finished } = await runInterleaved({
        script: new URL("./llama-cpp-variant.mjs", import.meta.url),
        variants: ["engine"],
        args: {
          variants: VARIANTS,
          modelPath: written.path,
          sequences: shape.sequences,
          maxTokens: shape.maxTokens,
          contextSize: 512,
        },
        warmup: shape.warmup,
        rounds: shape.rounds,
        batches: shape.batches,
      });
      // Each round of the one process holds every variant's measurement.
      const results = Object.fromEntries(
        VARIANTS.map((variant) => [variant, rounds.engine.map((round) => round[variant])]),
      );
      const tokensPerS = (value) => value.tokens / (value.ms / 1000);
      const cpuUsPerToken = (value) => (value.cpuMs * 1000) / value.tokens;
      const variants = {};
      for (const variant of VARIANTS) {
        const wall = paired(results, variant, "off", tokensPerS);
        const cpu = paired(results, variant, "off", cpuUsPerToken);
        variants[variant] = {
          tokens_per_s: summary(results[variant].map(tokensPerS), 1),
          per_token_ms: summary(
            results[variant].map((value) => value.perTokenMs),
            4,
          ),
          tokens_per_s_ratio_to_off: wall.ratioOfMedians,
          paired_tokens_per_s_ratios: wall.ratio,
          // CPU of every thread (llama.cpp's included) per token, over tracing off's.
          paired_added_cpu_us_per_token: cpu.diff,
          checks: finished.engine[variant],
        };
      }
      const lossPct = (variant) =>
        Number(((1 - variants[variant].paired_tokens_per_s_ratios.median) * 100).toFixed(3));
      models[size] = {
        parameters: written.parameters,
        shape: {
          sequences: shape.sequences,
          max_tokens: shape.maxTokens,
          rounds: results.off.length,
          processes: shape.batches,
          threads: 1,
        },
        variants,
        rate1_tokens_per_s_loss_pct: lossPct("rate 1"),
        sampled_out_tokens_per_s_loss_pct: lossPct("sampled out"),
      };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    models,
    llama_cpp_tiny_rate1_loss_pct: models.tiny.rate1_tokens_per_s_loss_pct,
    llama_cpp_larger_rate1_loss_pct: models.larger.rate1_tokens_per_s_loss_pct,
  };
}
