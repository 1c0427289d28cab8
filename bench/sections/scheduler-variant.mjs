// One variant of the scheduler loop, in its own process (see lib/interleave.mjs).
import { serveVariant } from "../lib/interleave.mjs";
import { discardingProvider, yieldToEventLoop } from "../lib/sdk.mjs";
import {
  NOT_SAMPLED_HEADERS,
  replay,
  SCHEDULER_SHAPE,
  sampledHeaders,
  schedulerInputs,
} from "../lib/workload.mjs";
import { loadCore, loadScheduler } from "../lib/workspace.mjs";

/** No tracing at all: the demo scheduler needs a tracer object, so its hooks are empty. */
const UNINSTRUMENTED = {
  enabled: false,
  activeSpans: 0,
  trackedEntries: 0,
  requestAdded() {},
  requestScheduled() {},
  requestProgressed() {},
  requestPreempted() {},
  requestFinished() {},
  stepFinished() {},
  shutdown() {},
};

serveVariant(async (variant, { requests }) => {
  // Any other variant name, the A/A control included, is the uninstrumented scheduler.
  const { ContinuousBatchingScheduler } = await loadScheduler();
  const { createCoreTracer } = await loadCore();
  let tracer = UNINSTRUMENTED;
  let headersOf = () => undefined;
  let sdk;
  let sampledPerRound = 0;
  if (variant === "disabled") {
    tracer = createCoreTracer({ enabled: false });
    headersOf = () => NOT_SAMPLED_HEADERS;
  } else if (variant === "rate 1" || variant === "rate 0.01" || variant.startsWith("steps ")) {
    // A round runs without yielding: the queue must hold a whole round of spans (a step
    // span per step at step rate 1), or the processor drops them and the figure shrinks.
    sdk = await discardingProvider({ batch: { maxQueueSize: 16_384 } });
    // "rate …": journeys only. "steps R": journeys at 0.01, and llm_step spans at rate R
    // (plus every step with a preemption, whatever R).
    const steps = variant.startsWith("steps ") ? { sampleRate: Number(variant.slice(6)) } : false;
    tracer = createCoreTracer({ tracerProvider: sdk.provider, steps });
    // The API layer decides and sends the decision; 0.01 = every hundredth request.
    const sampled = variant === "rate 1" ? () => true : (i) => i % 100 === 0;
    headersOf = (i) => (sampled(i) ? sampledHeaders(i) : NOT_SAMPLED_HEADERS);
    for (let i = 0; i < requests; i++) if (sampled(i)) sampledPerRound++;
  }
  const inputs = schedulerInputs(requests, headersOf);
  let round = 0;
  let shape;
  return {
    async round() {
      await yieldToEventLoop();
      const scheduler = new ContinuousBatchingScheduler({ tracer, ...SCHEDULER_SHAPE });
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      shape = replay(scheduler, inputs, round++);
      const ns = Number(process.hrtime.bigint() - start);
      const used = process.cpuUsage(cpu);
      return { ns, cpuUs: used.user + used.system, steps: shape.steps };
    },
    async finish() {
      await sdk?.provider.forceFlush();
      return {
        requests,
        stepsPerRound: shape.steps,
        preemptionsPerRound: shape.preemptions,
        preemptingStepsPerRound: shape.preemptingSteps,
        spansExported: sdk?.exporter.byName.llm_core ?? 0,
        spansExpected: sampledPerRound * round,
        // Not a counter (summed over processes): the same in each process.
        keptStepsPerRound: (sdk?.exporter.byName.llm_step ?? 0) / round,
        trackedEntriesLeft: tracer.trackedEntries,
        activeSpansLeft: tracer.activeSpans,
      };
    },
  };
});
