import type { OutgoingHeaders } from "@llm-journey/context-propagation";
import type { CoreLatencies } from "@llm-journey/tracer-core";
import type { AbortReason } from "./abort-reason.js";

/**
 * Latencies the engine core measured, in seconds; recorded on the API span at close.
 * The core tracer's `requestFinished` returns them.
 */
export type { CoreLatencies };

/** What the API layer knows about a request, recorded with GenAI semantic-convention names. */
export interface RequestAttributes {
  /** `chat` or `text_completion`. */
  operation?: string;
  model?: string;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** `n`: choices requested. */
  choiceCount?: number;
  stream?: boolean;
}

/** Token counts, usually known when the engine finishes. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}

/**
 * Prompt and completion content, recorded only when the operator opted in with
 * `captureContent`; any JSON-serialisable value (usually the chat messages).
 */
export interface Content {
  inputMessages?: unknown;
  outputMessages?: unknown;
}

/**
 * One request's journey in the API layer: its arrival and first-response times and its
 * `llm_request` span. Every method is safe to call in any order and any number of times;
 * after the first terminal call (`departed` or `aborted`) the rest do nothing.
 * Sampled-out and disabled requests share one no-op handle.
 */
export interface JourneyHandle {
  /**
   * True when this request has a recording `llm_request` span: the rate picked it and the
   * SDK's sampler recorded it. Then, and only then, `coreHeaders` says `1`.
   */
  readonly traced: boolean;
  /** True once `departed` or `aborted` was called (always true for the no-op). */
  readonly closed: boolean;
  /**
   * The headers to send to the engine core with the request: the span's trace context
   * and the sampling decision (`x-llm-journey-sampled`). Nothing else from the client.
   */
  readonly coreHeaders: Readonly<OutgoingHeaders>;
  /** True when the tracer was built with `captureContent`: only then is content worth gathering. */
  readonly capturesContent: boolean;
  setRequestAttributes(attributes: RequestAttributes): void;
  /** Records `gen_ai.input.messages` / `gen_ai.output.messages`; does nothing unless `capturesContent`. */
  setContent(content: Content): void;
  /**
   * Token counts. Like the finish reasons, they are known at the end: record them while
   * the journey is open, in the helpers' `beforeDeparted` or inside the stream's loop.
   */
  setUsage(usage: Usage): void;
  /**
   * Records what the core's `requestFinished` returned, once the engine sends it back:
   * `undefined`, for a request the core did not trace, records nothing.
   */
  setCoreLatencies(latencies: CoreLatencies | undefined): void;
  /** The OpenAI finish reasons of the response (for example `["stop"]`). */
  setFinishReasons(reasons: readonly string[]): void;
  /** `api.HANDOFF_TO_CORE`: the request was sent to the engine core. */
  handoffToCore(): void;
  /** `api.FIRST_RESPONSE_FROM_CORE`, on the first call only. */
  firstResponse(): void;
  /** Success: `api.DEPARTED`, the latencies, and the span's end. */
  departed(): void;
  /** Failure: `api.ABORTED` with `reason` and `error`, ERROR status, and the span's end. */
  aborted(reason: AbortReason, error?: unknown): void;
}
