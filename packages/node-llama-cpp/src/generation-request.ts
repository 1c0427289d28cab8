import type { HeaderMap } from "@llm-journey/context-propagation";
import type { LlamaCompletionGenerationOptions, Token } from "node-llama-cpp";

/** Sampling, exactly as node-llama-cpp's `LlamaCompletion` takes it. */
export type SamplingOptions = Pick<
  LlamaCompletionGenerationOptions,
  | "temperature"
  | "minP"
  | "topK"
  | "topP"
  | "seed"
  | "xtc"
  | "repeatPenalty"
  | "dryRepeatPenalty"
  | "tokenBias"
  | "grammar"
>;

/** One request to the engine. */
export interface GenerationRequest {
  /** Unique among the requests in flight; becomes `gen_ai.request.id`. Default: generated. */
  readonly requestId?: string;
  /** Text (tokenized with the model's tokenizer) or tokens. A BOS is prepended when the model wants one. */
  readonly prompt: string | readonly Token[];
  /** Output tokens at most; cut to what is left of the context. Default: the rest of the context. */
  readonly maxTokens?: number;
  /** Strings that end the generation when generated (not included in the output). At most 16. */
  readonly stop?: readonly string[];
  readonly sampling?: SamplingOptions;
  /** The header map that came with the request: trace context and the sampled header. */
  readonly traceHeaders?: HeaderMap;
  /** Aborting it ends the request as `aborted`. */
  readonly signal?: AbortSignal;
}

export const MAX_STOPS = 16;
export const MAX_STOP_LENGTH = 256;
export const MAX_REQUEST_ID_LENGTH = 256;

/** Throws a `TypeError` or `RangeError` naming the field at fault; returns the stops. */
export function validateRequest(request: GenerationRequest): readonly string[] {
  if (typeof request !== "object" || request === null) {
    throw new TypeError("request must be an object");
  }
  const { requestId, maxTokens, stop, signal } = request;
  if (
    requestId !== undefined &&
    (typeof requestId !== "string" ||
      requestId.length === 0 ||
      requestId.length > MAX_REQUEST_ID_LENGTH)
  ) {
    throw new TypeError(`requestId must be a string of 1 to ${MAX_REQUEST_ID_LENGTH} characters`);
  }
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || maxTokens < 1)) {
    throw new RangeError(`maxTokens must be an integer >= 1, got ${String(maxTokens)}`);
  }
  if (stop !== undefined) {
    if (!Array.isArray(stop) || stop.length > MAX_STOPS) {
      throw new TypeError(`stop must be an array of at most ${MAX_STOPS} strings`);
    }
    for (const text of stop) {
      if (typeof text !== "string" || text.length === 0 || text.length > MAX_STOP_LENGTH) {
        throw new TypeError(`each stop must be a string of 1 to ${MAX_STOP_LENGTH} characters`);
      }
    }
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError("signal must be an AbortSignal");
  }
  return stop ?? [];
}

/** Checks a token prompt against the vocabulary: an unknown id would crash llama.cpp. */
export function validateTokens(tokens: readonly unknown[], vocabularySize: number): void {
  for (const token of tokens) {
    if (
      !Number.isSafeInteger(token) ||
      (token as number) < 0 ||
      (token as number) >= vocabularySize
    ) {
      throw new RangeError(
        `prompt tokens must be integers in [0, ${vocabularySize}), got ${String(token)}`,
      );
    }
  }
}
