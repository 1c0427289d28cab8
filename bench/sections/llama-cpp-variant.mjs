// The rounds of the real-engine section (see lib/interleave.mjs): llama.cpp on a generated
// model behind @llm-journey/node-llama-cpp's engine. Every variant runs in this one
// process on one context: a variant is only the tracers the engine is built with, so no
// process's heap layout or llama.cpp buffers can favour one variant over another (two
// processes of the same variant differed by up to 6% in tokens/s, more than the effect).
import { serveVariant } from "../lib/interleave.mjs";
import { discardingProvider, yieldToEventLoop } from "../lib/sdk.mjs";
import { loadApi, loadCore, loadLlamaEngine, loadNodeLlamaCpp } from "../lib/workspace.mjs";

/**
 * Both layers as a user would run them: the API layer at the variant's rate, whose
 * header map is the engine's only trace input, and the core layer with its default step
 * spans (1% of batches); each with its own provider and batch processor.
 */
async function tracersOf(variant) {
  if (variant === "off") return undefined;
  const { createApiTracer } = await loadApi();
  const { createCoreTracer } = await loadCore();
  const api = await discardingProvider();
  const core = await discardingProvider();
  return {
    providers: [api, core],
    api: createApiTracer({
      tracerProvider: api.provider,
      sampleRate: variant === "rate 1" ? 1 : 0,
    }),
    core: createCoreTracer({ tracerProvider: core.provider }),
  };
}

serveVariant(async (_, { variants, modelPath, sequences, maxTokens, contextSize }) => {
  const { getLlama, TokenBias } = await loadNodeLlamaCpp();
  const { createLlamaEngine } = await loadLlamaEngine();
  const { traceStream } = await loadApi();
  const llama = await getLlama({ gpu: false, build: "never", progressLogs: false });
  const model = await llama.loadModel({ modelPath });
  // One thread: the process is pinned to one CPU, and llama.cpp's default thread count
  // on a small machine is far slower.
  const context = await model.createContext({ sequences, contextSize, threads: 1 });
  // Every request generates exactly maxTokens of the same text, so every variant decodes
  // the same batches. With random weights the argmax is fragile: a batch of another size
  // (timing decides which) rounds differently, can flip a token to end-of-generation and
  // shrink every later batch. A bias of probability 1 picks one token whatever the logits
  // (node-llama-cpp ignores a bias on end-of-generation tokens); the model still computes
  // them in full.
  const oneToken = new TokenBias(model.tokenizer).set("a", 1);
  const tracers = {};
  for (const variant of variants) tracers[variant] = await tracersOf(variant);
  const counts = Object.fromEntries(
    variants.map((variant) => [variant, { requests: 0, traced: 0, batches: 0, left: 0 }]),
  );
  let round = 0;

  /** One request as a server would run it: the API journey around the engine's stream. */
  async function generate(engine, variant, k) {
    const requestId = `${variant}-${round}-${k}`;
    const prompt = `Request ${k} of round ${round % 4}: tell me a story.`;
    const api = tracers[variant]?.api;
    const handle = api?.startJourney({ requestId, headers: {} });
    const generation = engine.submit({
      requestId,
      prompt,
      maxTokens,
      sampling: { tokenBias: oneToken },
      ...(handle ? { traceHeaders: handle.coreHeaders } : {}),
    });
    handle?.handoffToCore();
    if (handle?.coreHeaders["x-llm-journey-sampled"] === "1") counts[variant].traced++;
    counts[variant].requests++;
    let first;
    const stream = handle ? traceStream(handle, generation) : generation;
    for await (const _ of stream) first ??= performance.now();
    const result = await generation.done;
    if (result.status !== "length" || result.outputTokens !== maxTokens) {
      throw new Error(
        `request ended ${result.status} (${result.stopReason}) after ${result.outputTokens} tokens`,
      );
    }
    const perTokenMs =
      first !== undefined && result.outputTokens > 1
        ? (performance.now() - first) / (result.outputTokens - 1)
        : undefined;
    return { tokens: result.outputTokens, perTokenMs };
  }

  async function measure(variant) {
    // The engine is built for the round, outside its time, and gives the sequences back.
    const engine = await createLlamaEngine({
      context,
      ...(tracers[variant] ? { tracer: tracers[variant].core } : {}),
    });
    await yieldToEventLoop();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const done = await Promise.all(
      Array.from({ length: sequences }, (_, k) => generate(engine, variant, k)),
    );
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    counts[variant].batches += engine.step;
    await engine.close();
    counts[variant].left += engine.trackedEntries;
    const perToken = done.flatMap(({ perTokenMs }) =>
      perTokenMs === undefined ? [] : [perTokenMs],
    );
    return {
      ms,
      cpuMs: (used.user + used.system) / 1000,
      tokens: done.reduce((sum, { tokens }) => sum + tokens, 0),
      perTokenMs: perToken.reduce((a, b) => a + b, 0) / Math.max(1, perToken.length),
    };
  }

  return {
    /** Every variant once, starting with a different one each round. */
    async round() {
      const results = {};
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(round + k) % variants.length];
        results[variant] = await measure(variant);
      }
      round++;
      return results;
    },
    async finish() {
      const report = {};
      for (const variant of variants) {
        const traced = tracers[variant];
        for (const { provider } of traced?.providers ?? []) await provider.forceFlush();
        const [api, core] = traced?.providers ?? [];
        report[variant] = {
          requests: counts[variant].requests,
          spansExpected: counts[variant].traced,
          spansExported: core?.exporter.byName.llm_core ?? 0,
          apiSpansExported: api?.exporter.byName.llm_request ?? 0,
          stepSpansExported: core?.exporter.byName.llm_step ?? 0,
          batches: counts[variant].batches,
          trackedEntriesLeft:
            counts[variant].left +
            (traced ? traced.core.trackedEntries + traced.api.trackedEntries : 0),
          activeSpansLeft: traced ? traced.core.activeSpans + traced.api.activeSpans : 0,
        };
      }
      await context.dispose();
      await model.dispose();
      await llama.dispose();
      return report;
    },
  };
});
