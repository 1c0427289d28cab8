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

/** API → engine: finish a request as `aborted` (the client went away, a timeout…). */
export interface AbortMessage {
  readonly type: "abort";
  readonly requestId: string;
}

/** API → engine: reply with a `stats` message carrying the same `id`. */
export interface StatsRequestMessage {
  readonly type: "stats-request";
  readonly id: number;
}

/** API → engine: reply with a `journeys` message carrying the same `id`. */
export interface JourneysRequestMessage {
  readonly type: "journeys-request";
  readonly id: number;
}

/** API → engine: abort everything, end every span, flush, reply `shutdown-complete`. */
export interface ShutdownMessage {
  readonly type: "shutdown";
}

/** Both ways: the HTTP thread asks, the engine answers as soon as its event loop is free. */
export interface HeartbeatMessage {
  readonly type: "heartbeat";
}

export type ToEngineMessage =
  | AddMessage
  | AbortMessage
  | StatsRequestMessage
  | JourneysRequestMessage
  | ShutdownMessage
  | HeartbeatMessage;

/** Engine → API: the worker is up and takes requests. */
export interface ReadyMessage {
  readonly type: "ready";
}

/** Engine → API: a request's `token` event, with its prompt tokens (counted by then). */
export type TokensMessage = Omit<TokenEvent, "type"> & {
  readonly type: "tokens";
  readonly requestId: string;
  readonly promptTokens: number;
};

/** Engine → API: a request's `finished` event, its last message. */
export type FinishedMessage = FinishedEvent & { readonly requestId: string };

/** Engine → API: ended `llm_core` and `llm_step` spans, batched. */
export interface SpansMessage {
  readonly type: "spans";
  readonly spans: ForwardedSpan[];
}

/** Engine → API: the second journey stream's records of one step (`tracing.journeyStream`). */
export interface JourneyRecordsMessage {
  readonly type: "journey-records";
  /** Opaque here: only the stream's plug-in, on both sides, knows their shape. */
  readonly records: unknown;
}

/** Engine → API: live counts, periodically (no `id`) or in reply to `stats-request`. */
export interface StatsMessage extends EngineCounts {
  readonly type: "stats";
  readonly id?: number;
}

/** Engine → API: the core tracer's open journeys, in reply to `journeys-request`. */
export interface JourneysMessage {
  readonly type: "journeys";
  readonly id: number;
  readonly journeys: OpenCoreJourney[];
}

/** Engine → API: everything was aborted, ended and flushed; the worker may be stopped. */
export interface ShutdownCompleteMessage {
  readonly type: "shutdown-complete";
}

export type FromEngineMessage =
  | ReadyMessage
  | TokensMessage
  | FinishedMessage
  | SpansMessage
  | JourneyRecordsMessage
  | StatsMessage
  | JourneysMessage
  | ShutdownCompleteMessage
  | HeartbeatMessage;
