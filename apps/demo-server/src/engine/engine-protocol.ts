import type { CoreLatencies, FinishStatus, OpenCoreJourney } from "@llm-journey/tracer-core";
import type { ForwardedSpan } from "../journeys/journey-span.js";

/**
 * The messages between the HTTP thread and the engine worker. Plain objects only: they
 * cross the thread boundary by structured clone, and the trace headers are the only
 * link between the API span and the core span.
 */

/** One generation request, as the HTTP layer submits it. */
export interface EngineSubmission {
  readonly requestId: string;
  readonly prompt: string;
  readonly maxTokens: number;
  /** Stop strings; the output ends before the first one generated. */
  readonly stop: readonly string[];
  /** `traceparent`, `tracestate` and `x-llm-journey-sampled`, as the API layer injected them. */
  readonly traceHeaders: Readonly<Record<string, string>>;
}

/** API → engine: queue a request. */
export interface AddMessage extends EngineSubmission {
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

/** Engine → API: new text for a request. */
export interface TokensMessage {
  readonly type: "tokens";
  readonly requestId: string;
  readonly text: string;
  readonly outputTokens: number;
  readonly promptTokens: number;
}

/** Engine → API: the request's last message. */
export interface FinishedMessage {
  readonly type: "finished";
  readonly requestId: string;
  readonly status: FinishStatus;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Why, for `error` and `ignored`. */
  readonly error?: string;
  /** What the core tracer measured, when the request was traced. */
  readonly latencies?: CoreLatencies;
}

/** Engine → API: ended `llm_core` and `llm_step` spans, batched. */
export interface SpansMessage {
  readonly type: "spans";
  readonly spans: ForwardedSpan[];
}

/** Engine → API: the legacy recorder's records of one step (`legacy` and `dual` modes). */
export interface JourneyRecordsMessage {
  readonly type: "journey-records";
  /** Opaque here: only the legacy wiring on both sides knows their shape. */
  readonly records: unknown;
}

/** The engine's live counts; every one of them returns to 0 when the engine is idle. */
export interface EngineStats {
  /** `llm_core` spans started and not yet ended. */
  readonly activeSpans: number;
  /** Per-request entries held by the core tracer. */
  readonly trackedEntries: number;
  /** Per-request entries held by the legacy recorder (`legacy` and `dual` modes), else 0. */
  readonly bufferedEntries: number;
  /** Legacy records buffered and not yet sent with a step's outputs, else 0. */
  readonly bufferedRecords: number;
  readonly running: number;
  readonly waiting: number;
  readonly kvBlocksUsed: number;
  /** Core spans the OTLP exporter failed to deliver since the engine started (cumulative). */
  readonly spansDropped: number;
  /** Requests whose prompt is being counted, before they reach the scheduler. */
  readonly counting: number;
  /** Journeys the core tracer's watchdog closed since the engine started (cumulative). */
  readonly closedByWatchdog: number;
}

/** Engine → API: live counts, periodically (no `id`) or in reply to `stats-request`. */
export interface StatsMessage extends EngineStats {
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
