/**
 * The engine contract (`Engine`, its events, counts and spans) and the engine that
 * implements it: `EngineClient` runs the engine in a worker thread and streams each
 * request's events. In the worker runs either the simulated continuous-batching engine
 * (step times from a configurable model, placeholder lorem-ipsum text; the scheduler and
 * the journey tracing are real) or llama.cpp through `@llm-journey/node-llama-cpp`.
 */
export {
  ENGINE_WORKER_EXITED,
  EngineClient,
  type EngineClientOptions,
} from "./engine-client.js";
export {
  type Engine,
  type EngineCounts,
  type EngineEvent,
  type GenerationRequest,
  type JourneySpan,
  type ModelCard,
  type SamplingParameters,
  ZERO_COUNTS,
} from "./engine-contract.js";
export type { JourneyStreamPlugin } from "./engine-options.js";
export { SIMULATED_MODEL } from "./model-card.js";
export { DEFAULT_STEP_TIME, FAST_STEP_TIME } from "./step-time-model.js";
