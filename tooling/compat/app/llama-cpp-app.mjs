// A user's program over @llm-journey/node-llama-cpp, written from its README: llama.cpp on
// the package's generated model, its traced engine with the core tracer on the
// application's own SDK, three requests on two sequences (one waits in the queue, one is
// aborted mid-generation). It runs in a scratch project and prints what was exported,
// and what the install left on disk, as one JSON document on stdout.
//
// Usage: node llama-cpp-app.mjs

import { existsSync, readdirSync } from "node:fs";
import { createLlamaEngine } from "@llm-journey/node-llama-cpp";
import { writeGeneratedModel } from "@llm-journey/node-llama-cpp/testing";
import { createCoreTracer } from "@llm-journey/tracer-core";
import { getLlama } from "node-llama-cpp";
import { describeSpan, inMemorySdk } from "./shared.mjs";

const CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// `@opentelemetry/sdk-trace`, as SDK 3 users build it (SDK 2's sdk-trace-base is built on it).
const { provider, exporter } = await inMemorySdk("sdk3");
const tracer = createCoreTracer({ tracerProvider: provider, steps: { sampleRate: 1 } });

const model = writeGeneratedModel("tiny.gguf");
const llama = await getLlama({ gpu: false, build: "never", progressLogs: false });
const loaded = await llama.loadModel({ modelPath: model.path });
const context = await loaded.createContext({ sequences: 2, contextSize: 512, threads: 1 });
const engine = await createLlamaEngine({ context, tracer });

const abort = new AbortController();
const generations = [
  { requestId: "caller", prompt: "Hello", maxTokens: 6, traceparent: CALLER },
  { requestId: "aborted", prompt: "Stop me", signal: abort.signal },
  { requestId: "waited", prompt: "My turn", maxTokens: 4 },
].map(({ traceparent, ...request }) =>
  engine.submit({
    ...request,
    traceHeaders: { ...(traceparent && { traceparent }), "x-llm-journey-sampled": "1" },
  }),
);
const queuedAtSubmit = engine.queued;
let chunks = 0;
for await (const _ of generations[1]) if (++chunks === 2) abort.abort();
const results = await Promise.all(generations.map((generation) => generation.done));
await engine.close();
await context.dispose();
await loaded.dispose();
await llama.dispose();

console.log(
  JSON.stringify({
    queuedAtSubmit,
    statuses: results.map((result) => result.status),
    left: {
      engine: engine.trackedEntries,
      core: tracer.trackedEntries,
      activeSpans: tracer.activeSpans,
    },
    batchTracing: engine.batchTracing,
    spans: exporter.getFinishedSpans().map(describeSpan),
    llamaPackages: readdirSync("node_modules/@node-llama-cpp"),
    localBuild: existsSync("node_modules/node-llama-cpp/llama/localBuilds"),
  }),
);
