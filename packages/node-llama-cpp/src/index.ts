export { InternalsChangedError } from "./batch-tap.js";
export { LlamaEngineError, type LlamaEngineErrorCode } from "./engine-errors.js";
export type { GeneratedChunk, GenerationResult, LlamaGeneration } from "./generation.js";
export type { GenerationRequest, SamplingOptions } from "./generation-request.js";
export { MAX_STOPS } from "./generation-request.js";
export {
  type BatchTracing,
  createLlamaEngine,
  DEFAULT_MAX_QUEUED,
  type LlamaEngine,
  type LlamaEngineOptions,
} from "./llama-engine.js";
