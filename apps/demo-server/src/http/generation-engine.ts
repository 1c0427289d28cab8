import type { FinishStatus } from "@llm-journey/tracer-core";

/** What the HTTP layer needs of the engine: submit a request, stream its events, abort it. */
export interface GenerationEngine {
  submit(request: GenerationRequest): AsyncIterable<GenerationEvent>;
  /** Idempotent; the request's stream then ends with a `finished` event, status `aborted`. */
  abort(requestId: string): void;
}

export interface GenerationRequest {
  requestId: string;
  prompt: string;
  maxTokens: number;
  stop: string[];
  /** The only link between the two spans: trace context and the sampling decision. */
  traceHeaders: Record<string, string>;
}

export type GenerationEvent =
  | { type: "token"; text: string; outputTokens: number }
  | {
      type: "finished";
      status: FinishStatus;
      promptTokens: number;
      outputTokens: number;
      error?: string;
    };
