// Section 4, run in a child started with --expose-gc: retained heap per active traced
// request, and what is left after a long run of completed and aborted requests.
import { INCOMING_HEADERS, MODEL, newView, tracedRequest } from "../lib/journey-script.mjs";
import { discardingProvider, yieldToEventLoop } from "../lib/sdk.mjs";
import { sdkFloorActive } from "../lib/sdk-floor.mjs";
import { NOT_SAMPLED_HEADERS } from "../lib/workload.mjs";
import { loadApi, loadCore, loadScheduler } from "../lib/workspace.mjs";

if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");

/** Heap in use after full collections, once the numbers stop moving. */
async function settledHeap() {
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    await yieldToEventLoop();
    globalThis.gc();
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(used - last) < 4096) return used;
    last = used;
  }
  return last;
}

const { createApiTracer, NOOP_JOURNEY_HANDLE } = await loadApi();
const { createCoreTracer } = await loadCore();

/**
 * `count` requests, all in decode at once, each with its API handle (attributes,
 * ARRIVED, HANDOFF_TO_CORE, FIRST_RESPONSE) and its core journey (QUEUED, SCHEDULED,
 * FIRST_TOKEN): the steady state of a loaded server. The same request objects without
 * tracing are the baseline, so only what tracing keeps is counted.
 */
async function activeRequests(count, round, warmup) {
  const sdk = await discardingProvider();
  const api = createApiTracer({ tracerProvider: sdk.provider, sampleRate: 1 });
  const core = createCoreTracer({ tracerProvider: sdk.provider });
  // Warm up: compiled code and one-time allocations must not count as per-request state.
  for (let i = 0; i < warmup; i++) tracedRequest(api, core, `warm-${round}-${i}`);
  await sdk.provider.forceFlush();

  const views = Array.from({ length: count }, (_, i) =>
    newView(`active-${round}-${i}`, NOT_SAMPLED_HEADERS),
  );
  const handles = new Array(count).fill(NOOP_JOURNEY_HANDLE);
  const base = await settledHeap();
  for (let i = 0; i < count; i++) {
    const handle = api.startJourney({ requestId: views[i].requestId, headers: INCOMING_HEADERS });
    handle.setRequestAttributes({ operation: "chat", model: MODEL, maxTokens: 16, stream: true });
    handle.handoffToCore();
    handles[i] = handle;
    views[i].traceHeaders = handle.coreHeaders;
  }
  const withApi = await settledHeap();
  for (let i = 0; i < count; i++) {
    const view = views[i];
    core.requestAdded(view, 1);
    core.requestScheduled(view, 2);
    view.computedTokens = view.promptTokens;
    view.outputTokens = 1;
    core.requestProgressed(view, 2);
    handles[i].firstResponse();
  }
  const withCore = await settledHeap();
  const open = { api: api.activeSpans, core: core.activeSpans };
  // The same spans, events and attributes written straight to the SDK.
  core.shutdown(3);
  api.shutdown();
  await sdk.provider.forceFlush();
  handles.fill(NOOP_JOURNEY_HANDLE);
  const tracer = sdk.provider.getTracer("llm-journey-bench");
  const floor = new Array(2 * count).fill(undefined);
  const beforeFloor = await settledHeap();
  for (let i = 0; i < count; i++) {
    [floor[2 * i], floor[2 * i + 1]] = sdkFloorActive(tracer, views[i].requestId);
  }
  const withFloor = await settledHeap();
  for (const span of floor) span.end();
  await sdk.provider.shutdown();
  return {
    total: (withCore - base) / count,
    api: (withApi - base) / count,
    core: (withCore - withApi) / count,
    sdkFloor: (withFloor - beforeFloor) / count,
    open,
    keep: views.length,
  };
}

/**
 * `total` requests through the demo scheduler and both layers at rate 1, 64 in flight,
 * with ~10% aborted: 5% client disconnects mid-generation, 3% validation errors before
 * the engine, 2% engine errors. Then every layer's live counts must be 0.
 */
async function drain(total) {
  const { ContinuousBatchingScheduler } = await loadScheduler();
  const sdk = await discardingProvider({ counting: true });
  const api = createApiTracer({ tracerProvider: sdk.provider, sampleRate: 1 });
  const core = createCoreTracer({ tracerProvider: sdk.provider });
  const scheduler = new ContinuousBatchingScheduler({
    tracer: core,
    maxNumSeqs: 32,
    maxNumBatchedTokens: 512,
    numKvBlocks: 96,
    blockSize: 16,
    injectEngineErrorRate: 0.02,
    seed: 6,
  });
  const inFlight = new Map();
  const aborts = new Map();
  const outcomes = { departed: 0, client_disconnect: 0, validation_error: 0, generation_error: 0 };
  let started = 0;
  let steps = 0;
  let heapAfterWarmup;
  const close = (entry, output) => {
    inFlight.delete(output.requestId);
    const { status } = output.finish;
    if (status === "stopped" || status === "length") {
      entry.handle.setUsage({
        inputTokens: output.promptTokens,
        outputTokens: output.outputTokens,
      });
      entry.handle.setFinishReasons([status === "stopped" ? "stop" : "length"]);
      entry.handle.departed();
      outcomes.departed++;
    } else {
      const reason = status === "aborted" ? "client_disconnect" : "generation_error";
      entry.handle.aborted(reason, output.finish.error ?? "the request did not complete");
      outcomes[reason]++;
    }
  };
  const onOutput = (output) => {
    const entry = output && inFlight.get(output.requestId);
    if (!entry) return;
    if (output.outputTokens > 0 && !entry.first) {
      entry.first = true;
      entry.handle.firstResponse();
    }
    if (output.finish) close(entry, output);
  };
  while (started < total || inFlight.size > 0) {
    while (started < total && inFlight.size < 64) {
      const i = started++;
      const requestId = `drain-${i}`;
      const handle = api.startJourney({ requestId, headers: INCOMING_HEADERS });
      handle.setRequestAttributes({ operation: "chat", model: MODEL, maxTokens: 32, stream: true });
      if (i % 100 >= 5 && i % 100 < 8) {
        handle.aborted("validation_error", "messages must not be empty");
        outcomes.validation_error++;
        continue;
      }
      inFlight.set(requestId, { handle, first: false });
      onOutput(
        scheduler.add({
          requestId,
          prompt: `drain prompt ${i % 997}`,
          promptTokens: 16 + (i % 64),
          maxTokens: 8 + (i % 32),
          traceHeaders: handle.coreHeaders,
        }),
      );
      handle.handoffToCore();
      if (i % 100 < 5)
        aborts.set(steps + 1 + (i % 7), [...(aborts.get(steps + 1 + (i % 7)) ?? []), requestId]);
    }
    for (const output of scheduler.runStep().outputs) onOutput(output);
    steps++;
    for (const requestId of aborts.get(steps) ?? []) onOutput(scheduler.abort(requestId));
    aborts.delete(steps);
    if (steps % 500 === 0) await yieldToEventLoop();
    if (heapAfterWarmup === undefined && started >= Math.min(5_000, total / 10)) {
      heapAfterWarmup = await settledHeap();
    }
  }
  await sdk.provider.forceFlush();
  const heapAfter = await settledHeap();
  const residual = {
    api_tracked_entries: api.trackedEntries,
    api_active_spans: api.activeSpans,
    core_tracked_entries: core.trackedEntries,
    core_active_spans: core.activeSpans,
  };
  return {
    requests: total,
    steps,
    outcomes,
    residual,
    residualTotal: Object.values(residual).reduce((sum, value) => sum + value, 0),
    sdkSpans: { started: sdk.counter.started, ended: sdk.counter.ended },
    spansExported: sdk.exporter.exported,
    schedulerIdle: scheduler.idle,
    heapGrowthMiB: (heapAfter - heapAfterWarmup) / 2 ** 20,
  };
}

process.on("message", async ({ smoke }) => {
  try {
    const count = smoke ? 1_000 : 10_000;
    const rounds = [];
    for (let round = 0; round < (smoke ? 1 : 5); round++) {
      rounds.push(await activeRequests(count, round, smoke ? 100 : 500));
    }
    const drained = await drain(smoke ? 1_000 : 100_000);
    process.send({ type: "ok", value: { count, rounds, drained } });
  } catch (error) {
    process.send({ type: "error", message: error?.stack ?? String(error) });
  }
});
// The parent closes the channel once it has the reply; exiting right after sending could
// reach the parent before the reply does.
process.once("disconnect", () => process.exit(0));
