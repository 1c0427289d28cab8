import type { ServerConfig } from "./config.js";
import {
  DEFAULT_STEP_TIME,
  EngineClient,
  type EngineClientOptions,
  FAST_STEP_TIME,
} from "./engine/index.js";
import type { ServerEngine } from "./server.js";

/**
 * Starts the engine worker with the server's configuration. `clientOptions` reach
 * `EngineClient.start` (the soak runs the worker behind a double-`end()` watch).
 */
export async function startEngine(
  config: ServerConfig,
  clientOptions: EngineClientOptions = {},
): Promise<ServerEngine> {
  const { engine, tracing } = config;
  const client = await EngineClient.start(
    {
      maxNumSeqs: engine.maxNumSeqs,
      maxNumBatchedTokens: engine.maxNumBatchedTokens,
      numKvBlocks: engine.numKvBlocks,
      blockSize: engine.blockSize,
      stepTime:
        engine.stepTime === "fast" ? FAST_STEP_TIME : (engine.stepTime ?? DEFAULT_STEP_TIME),
      injectEngineErrorRate: engine.injectEngineErrorRate,
      tracing: {
        enabled: tracing.enabled,
        otlpEndpoint: tracing.otlpEndpoint,
        serviceName: tracing.serviceName,
        sampleRate: tracing.sampleRate,
        mode: tracing.mode,
        maxJourneyAgeMs: tracing.maxJourneyAgeMs,
        stepSampleRate: tracing.stepSampleRate,
        ...(tracing.stepSlowMs !== undefined ? { stepSlowMs: tracing.stepSlowMs } : {}),
        attributeValueLengthLimit: tracing.attributeValueLengthLimit,
      },
    },
    {
      // A few heartbeats per timeout, so /health turns 503 within about 1.25 timeouts.
      heartbeatIntervalMs: Math.max(10, Math.min(1_000, config.engineHeartbeatTimeoutMs / 4)),
      ...clientOptions,
    },
  );
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
        closedByWatchdog: stats.closedByWatchdog,
      };
    },
    unansweredHeartbeatMs: () => client.unansweredHeartbeatMs,
    openJourneys: () => client.openJourneys(),
    onSpans: (listener) => client.onSpans(listener),
    onJourneyRecords: (listener) => client.onJourneyRecords(listener),
    shutdown: () => client.shutdown(),
    crashForTests: () => client.crashWorkerForTests(),
  };
}
