import type { ServerConfig } from "./config.js";
import { DEFAULT_STEP_TIME, EngineClient, FAST_STEP_TIME } from "./engine/index.js";
import type { ServerEngine } from "./server.js";

/** Starts the engine worker with the server's configuration. */
export async function startEngine(config: ServerConfig): Promise<ServerEngine> {
  const { engine, tracing } = config;
  const client = await EngineClient.start({
    maxNumSeqs: engine.maxNumSeqs,
    maxNumBatchedTokens: engine.maxNumBatchedTokens,
    numKvBlocks: engine.numKvBlocks,
    blockSize: engine.blockSize,
    stepTime: engine.stepTime === "fast" ? FAST_STEP_TIME : (engine.stepTime ?? DEFAULT_STEP_TIME),
    injectEngineErrorRate: engine.injectEngineErrorRate,
    tracing: {
      enabled: tracing.enabled,
      otlpEndpoint: tracing.otlpEndpoint,
      serviceName: tracing.serviceName,
      sampleRate: tracing.sampleRate,
      mode: tracing.mode,
    },
  });
  return {
    submit: (request) => client.submit(request),
    abort: (requestId) => client.abort(requestId),
    counts: async () => {
      const stats = await client.stats();
      return {
        activeSpans: stats.activeSpans,
        trackedEntries: stats.trackedEntries,
        spansDropped: stats.spansDropped,
        bufferedEntries: stats.bufferedEntries,
        bufferedRecords: stats.bufferedRecords,
      };
    },
    onSpans: (listener) => client.onSpans(listener),
    onJourneyRecords: (listener) => client.onJourneyRecords(listener),
    shutdown: () => client.shutdown(),
    crashForTests: () => client.crashWorkerForTests(),
  };
}
