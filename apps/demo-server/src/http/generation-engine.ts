import type { IncomingHttpHeaders } from "node:http";
import type { CoreLatencies } from "@llm-journey/tracer-api";
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
  /**
   * The client's request headers, never sent to the engine: the legacy path (`legacy`
   * mode, which has no API layer) reads the client's trace context from them.
   */
  incomingHeaders?: IncomingHttpHeaders;
  /** When the HTTP request arrived, in tracer-core's `monotonicSeconds()`. */
  arrivalTime?: number;
}

export type GenerationEvent =
  | { type: "token"; text: string; outputTokens: number }
  | {
      type: "finished";
      status: FinishStatus;
      promptTokens: number;
      outputTokens: number;
      error?: string;
      /** The core tracer's latencies, recorded on the API span. */
      latencies?: CoreLatencies;
    };
