import type { FinishStatus } from "@llm-journey/tracer-core";
import { toOpenAiFinishReason } from "@llm-journey/tracer-core/internal";

/** Which endpoint a response belongs to. */
export type Endpoint = "chat" | "completions";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

export function finishReasonOf(status: FinishStatus): "stop" | "length" {
  return toOpenAiFinishReason(status) ?? "stop";
}

interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

/** The non-streaming response body of either endpoint. */
export function completionBody(
  endpoint: Endpoint,
  identity: ResponseIdentity,
  text: string,
  finishReason: "stop" | "length",
  usage: Usage,
) {
  if (endpoint === "chat") {
    return {
      ...identity,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text, refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
    };
  }
  return {
    ...identity,
    object: "text_completion",
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
    usage,
  };
}

/** One SSE chunk: a text delta, or the final one with a finish reason. */
export function chunkBody(
  endpoint: Endpoint,
  identity: ResponseIdentity,
  delta: { text?: string; first?: boolean },
  finishReason: "stop" | "length" | null,
) {
  if (endpoint === "chat") {
    const content = delta.text === undefined ? {} : { content: delta.text };
    return {
      ...identity,
      object: "chat.completion.chunk",
      choices: [
        {
          index: 0,
          delta: delta.first ? { role: "assistant", ...content } : content,
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
    };
  }
  return {
    ...identity,
    object: "text_completion",
    choices: [{ index: 0, text: delta.text ?? "", logprobs: null, finish_reason: finishReason }],
  };
}

/** The extra chunk sent when `stream_options.include_usage` is set: no choices, the usage. */
export function usageChunkBody(endpoint: Endpoint, identity: ResponseIdentity, usage: Usage) {
  return {
    ...identity,
    object: endpoint === "chat" ? "chat.completion.chunk" : "text_completion",
    choices: [],
    usage,
  };
}
