// Section 1: the demo's continuous-batching scheduler driven in-process with no step
// time, over a fixed workload with preemptions and aborts, four variants interleaved.
import { paired, runInterleaved } from "../lib/interleave.mjs";
import { summary } from "../lib/stats.mjs";

/**
 * The A/A control is a second uninstrumented process: its ratio to the first shows how
 * finely this machine resolves a difference at all.
 */
export const VARIANTS = [
  "uninstrumented",
  "uninstrumented, A/A control",
  "disabled",
  "rate 1",
  "rate 0.01",
  "steps 0",
  "steps 0.01",
  "steps 1",
];

/** The step-span variants: journeys at 0.01 as "rate 0.01", plus llm_step spans at this rate. */
const STEP_RATES = { "steps 0": 0, "steps 0.01": 0.01, "steps 1": 1 };

export async function runSchedulerLoop({ smoke }) {
  const requests = smoke ? 200 : 1000;
  const { results, finished } = await runInterleaved({
    script: new URL("./scheduler-variant.mjs", import.meta.url),
    variants: VARIANTS,
    args: { requests },
    warmup: smoke ? 3 : 20,
    rounds: smoke ? 5 : 200,
    batches: smoke ? 1 : 4,
  });
  const perStep = (value) => value.ns / value.steps;
  const cpuPerStep = (value) => (value.cpuUs * 1000) / value.steps;
  // CPU time (process.cpuUsage: every thread, all pinned to one CPU) is the figure: on a
  // shared machine, wall time also counts the moments another process had the CPU.
  const variants = {};
  for (const variant of VARIANTS) {
    const cpu = paired(results, variant, "uninstrumented", cpuPerStep);
    const wall = paired(results, variant, "uninstrumented", perStep);
    variants[variant] = {
      step_cpu_ns: summary(results[variant].map(cpuPerStep), 1),
      step_wall_ns: summary(results[variant].map(perStep), 1),
      ratio_to_uninstrumented: cpu.ratioOfMedians,
      paired_ratios: cpu.ratio,
      wall_ratio_to_uninstrumented: wall.ratioOfMedians,
      checks: finished[variant],
    };
  }
  // What step spans add to each step: against the same loop without them ("rate 0.01"),
  // and against no tracing at all.
  const stepSpans = {};
  for (const [variant, rate] of Object.entries(STEP_RATES)) {
    const added = paired(results, variant, "rate 0.01", cpuPerStep);
    stepSpans[variant] = {
      step_sample_rate: rate,
      step_spans_per_round: finished[variant].keptStepsPerRound,
      added_cpu_ns_per_step: { median_diff: added.diffOfMedians, paired: added.diff },
      ratio_to_uninstrumented: variants[variant].ratio_to_uninstrumented,
    };
  }
  const base = finished.uninstrumented;
  return {
    workload: {
      requests,
      steps_per_round: base.stepsPerRound,
      preemptions_per_round: base.preemptionsPerRound,
      aborts_per_round: Math.floor((requests - 8) / 20) + 1,
      shape: "maxNumSeqs 16, maxNumBatchedTokens 256, numKvBlocks 64, blockSize 16",
      rounds: results.uninstrumented.length,
      processes_per_variant: smoke ? 1 : 4,
    },
    variants,
    step_spans: {
      what: "journeys at 0.01 (every hundredth request traced) plus llm_step spans at the step rate; every step with a preemption is kept whatever the rate",
      preempting_steps_per_round: base.preemptingStepsPerRound,
      ...stepSpans,
    },
    disabled_ratio: variants.disabled.ratio_to_uninstrumented,
  };
}
