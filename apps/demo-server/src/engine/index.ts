/**
 * The engine contract (`Engine`, its events, counts and spans) and the simulated
 * continuous-batching engine that implements it: `EngineClient` runs the engine in a
 * worker thread and streams each request's events. The model is
 * simulated (step times from a configurable model, placeholder lorem-ipsum text); the
 * scheduler and the journey tracing are real.
 */
export {
  ENGINE_WORKER_EXITED,
  EngineClient,
  type EngineClientOptions,
  type EngineRequestSubmission,
} from "./engine-client.js";
export {
  type Engine,
  type EngineCounts,
  type EngineEvent,
  type FinishedEvent,
  type ForwardedSpan,
  type GenerationRequest,
  type JourneySpan,
  ZERO_COUNTS,
} from "./engine-contract.js";
export {
  DEFAULT_SERVICE_NAME,
  type EngineOptions,
  type EngineOptionsInput,
  type EngineTracingOptions,
  type JourneyStreamPlugin,
  resolveEngineOptions,
} from "./engine-options.js";
export {
  DEFAULT_STEP_TIME,
  FAST_STEP_TIME,
  type StepTimeModel,
  type StepWork,
  stepDurationMs,
} from "./step-time-model.js";
