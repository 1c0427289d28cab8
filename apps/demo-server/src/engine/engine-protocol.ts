import type { OpenCoreJourney } from "@llm-journey/tracer-core";
import type {
  EngineCounts,
  FinishedEvent,
  ForwardedSpan,
  GenerationRequest,
  TokenEvent,
} from "./engine-contract.js";

/**
 * The messages between `EngineClient` and the engine worker: the engine contract's
 * shapes, addressed. Plain objects only: they cross the thread boundary by structured
 * clone, and the trace headers are the only link between the API span and the core span.
 */

/** API → engine: queue a request (never with the HTTP-only fields). */
export interface AddMessage extends Omit<GenerationRequest, "incomingHeaders" | "arrivalTime"> {
  readonly type: "add";
}

/** Both ways: the HTTP thread asks, the engine answers as soon as its event loop is free. */
type HeartbeatMessage = { readonly type: "heartbeat" };

export type ToEngineMessage =
  | AddMessage
  /** Finish a request as `aborted` (the client went away, a timeout…). */
  | { readonly type: "abort"; readonly requestId: string }
  /** Reply with a `stats` (or `journeys`) message carrying the same `id`. */
  | { readonly type: "stats-request" | "journeys-request"; readonly id: number }
  /** Abort everything, end every span, flush, reply `shutdown-complete`. */
  | { readonly type: "shutdown" }
  | HeartbeatMessage;

/** Engine → API: a request's `token` event, with its prompt tokens (counted by then). */
export type TokensMessage = Omit<TokenEvent, "type"> & {
  readonly type: "tokens";
  readonly requestId: string;
  readonly promptTokens: number;
};

export type FromEngineMessage =
  /** The worker is up and takes requests. */
  | { readonly type: "ready" }
  | TokensMessage
  /** A request's `finished` event, its last message. */
  | (FinishedEvent & { readonly requestId: string })
  /** Ended `llm_core` and `llm_step` spans, batched. */
  | { readonly type: "spans"; readonly spans: ForwardedSpan[] }
  /**
   * The second journey stream's records of one step (`tracing.journeyStream`): opaque
   * here, only the stream's plug-in, on both sides, knows their shape.
   */
  | { readonly type: "journey-records"; readonly records: unknown }
  /** Live counts, periodically (no `id`) or in reply to `stats-request`. */
  | (EngineCounts & { readonly type: "stats"; readonly id?: number })
  /** The core tracer's open journeys, in reply to `journeys-request`. */
  | { readonly type: "journeys"; readonly id: number; readonly journeys: OpenCoreJourney[] }
  /** Everything was aborted, ended and flushed; the worker may be stopped. */
  | { readonly type: "shutdown-complete" }
  | HeartbeatMessage;
