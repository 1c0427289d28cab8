// One variant of the real-engine section, in its own process (see lib/interleave.mjs):
// llama.cpp on a generated model, behind the traced engine of @llm-journey/node-llama-cpp.
import { serveVariant } from "../lib/interleave.mjs";
import { discardingProvider, yieldToEventLoop } from "../lib/sdk.mjs";
import { NOT_SAMPLED_HEADERS, sampledHeaders } from "../lib/workload.mjs";
import { loadCore, loadLlamaEngine, loadNodeLlamaCpp } from "../lib/workspace.mjs";

let hookMs = 0;

/**
 * The tracer with every hook call timed: the time the engine spends in tracing, measured
 * in the same process as the round it is part of, so another process's load cannot skew
 * the share. Two clock readings per call: the share slightly overstates the cost.
 */
function timed(tracer) {
  const wrap =
    (name) =>
    (...args) => {
      const start = performance.now();
      try {
        return tracer[name](...args);
      } finally {
        hookMs += performance.now() - start;
      }
    };
  const hooks = ["requestAdded", "requestScheduled", "requestProgressed", "requestPreempted"];
  return {
    ...Object.fromEntries(
      [...hooks, "requestFinished", "stepFinished", "shutdown"].map((name) => [name, wrap(name)]),
    ),
    openJourneys: () => tracer.openJourneys(),
    get enabled() {
      return tracer.enabled;
    },
    get activeSpans() {
      return tracer.activeSpans;
    },
    get trackedEntries() {
      return tracer.trackedEntries;
    },
  };
}

serveVariant(async (variant, { modelPath, sequences, maxTokens, contextSize }) => {
  const { getLlama } = await loadNodeLlamaCpp();
  const { createLlamaEngine } = await loadLlamaEngine();
  const llama = await getLlama({ gpu: false, build: "never", progressLogs: false });
  const model = await llama.loadModel({ modelPath });
  // One thread: the variant is pinned to one CPU, and llama.cpp's default thread count
  // on a small machine is far slower.
  const context = await model.createContext({ sequences, contextSize, threads: 1 });
  let sdk;
  let tracer;
  let headersOf = () => undefined;
  if (variant !== "off") {
    sdk = await discardingProvider();
    // Both sides of the comparison as a user would run it: the core layer with its
    // default step spans (1% of batches).
    const { createCoreTracer } = await loadCore();
    tracer = createCoreTracer({ tracerProvider: sdk.provider });
    headersOf = variant === "sampled out" ? () => NOT_SAMPLED_HEADERS : sampledHeaders;
    if (variant === "rate 1, hooks timed") tracer = timed(tracer);
  }
  const engine = await createLlamaEngine({ context, ...(tracer ? { tracer } : {}) });
  let round = 0;
  let requests = 0;
  let tracedRequests = 0;
  return {
    async round() {
      await yieldToEventLoop();
      const cpu = process.cpuUsage();
      const start = performance.now();
      const perToken = [];
      let tokens = 0;
      await Promise.all(
        Array.from({ length: sequences }, async (_, k) => {
          const i = round * sequences + k;
          const headers = headersOf(i);
          if (headers?.["x-llm-journey-sampled"] === "1") tracedRequests++;
          requests++;
          const generation = engine.submit({
            prompt: `Request ${k} of round ${round % 4}: tell me a story.`,
            maxTokens,
            traceHeaders: headers,
          });
          let first;
          for await (const _ of generation) first ??= performance.now();
          const result = await generation.done;
          // Random weights sometimes pick the end-of-sequence token: `stopped` is fine.
          if (result.status !== "length" && result.status !== "stopped") {
            throw new Error(`request ended ${result.status}`);
          }
          tokens += result.outputTokens;
          if (first !== undefined && result.outputTokens > 1) {
            perToken.push((performance.now() - first) / (result.outputTokens - 1));
          }
        }),
      );
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpu);
      round++;
      const inHooksMs = hookMs;
      hookMs = 0;
      return {
        ms,
        hookMs: inHooksMs,
        cpuMs: (used.user + used.system) / 1000,
        tokens,
        perTokenMs: perToken.reduce((a, b) => a + b, 0) / Math.max(1, perToken.length),
      };
    },
    async finish() {
      await sdk?.provider.forceFlush();
      const report = {
        requests,
        spansExpected: tracedRequests,
        spansExported: sdk?.exporter.byName.llm_core ?? 0,
        stepSpansExported: sdk?.exporter.byName.llm_step ?? 0,
        batches: engine.step,
        trackedEntriesLeft: engine.trackedEntries + (tracer?.trackedEntries ?? 0),
        activeSpansLeft: tracer?.activeSpans ?? 0,
      };
      await engine.close();
      await context.dispose();
      await model.dispose();
      await llama.dispose();
      return report;
    },
  };
});
