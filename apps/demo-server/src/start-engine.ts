import type { ServerConfig } from "./config.js";
import {
  DEFAULT_STEP_TIME,
  EngineClient,
  type EngineClientOptions,
  FAST_STEP_TIME,
} from "./engine/index.js";
import { tracingModePlan } from "./tracing-modes.js";

/**
 * Starts the engine the server's flags describe in its worker thread: the simulated engine,
 * or llama.cpp (`--engine llama-cpp`). `clientOptions` reach `EngineClient.start` (the soak
 * runs the worker behind a double-`end()` watch).
 */
export async function startEngine(
  config: ServerConfig,
  clientOptions: EngineClientOptions = {},
): Promise<EngineClient> {
  const { engine, tracing } = config;
  const plan = await tracingModePlan(tracing);
  const { kind, modelPath, threads, ...shape } = engine;
  return EngineClient.start(
    {
      ...shape,
      ...(kind === "llama-cpp" ? { llamaCpp: { modelPath, threads } } : {}),
      stepTime: shape.stepTime === "fast" ? FAST_STEP_TIME : (shape.stepTime ?? DEFAULT_STEP_TIME),
      tracing: {
        ...tracing,
        enabled: tracing.enabled && plan.journeySpans,
        journeyStream: plan.stream?.engine,
      },
    },
    {
      // A few heartbeats per timeout, so /health turns 503 within about 1.25 timeouts.
      heartbeatIntervalMs: Math.max(10, Math.min(1_000, config.engineHeartbeatTimeoutMs / 4)),
      ...clientOptions,
    },
  );
}
