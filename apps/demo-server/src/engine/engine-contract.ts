/**
 * The engine contract: everything the HTTP side knows of an inference engine, and every
 * shape that crosses between the two. The HTTP side programs against `Engine` alone;
 * `EngineClient` implements it over a worker thread that runs either the simulated engine
 * or llama.cpp, behind the same messages: another engine is one more worker host (or one
 * more implementation of this interface), not a new seam.
 *
 * What an implementation promises:
 * - `submit` returns the request's events in order: `token` events, then exactly one
 *   `finished` event, whatever happens (abort, engine error, shutdown, a crashed worker).
 *   Leaving the iteration early aborts the request.
 * - `traceHeaders` are the only link between the API span (`llm_request`) and the core
 *   span (`llm_core`): the engine's core tracer starts its span from them.
 * - Ended core and step spans reach `onSpans` listeners as `ForwardedSpan`s, in batches.
 * - `counts()` never rejects while the engine runs normally, and every count returns to 0
 *   (but the cumulative ones) when the engine is idle.
 * - `shutdown()` aborts every request in flight, ends and flushes every span; safe twice.
 *
 * This module imports neither side, so both threads (and both sides of any boundary) can
 * use it: its types are plain data that survive structured clone.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { CoreLatencies, FinishStatus, OpenCoreJourney } from "@llm-journey/tracer-core";
import type { Attributes } from "@opentelemetry/api";

/** One generation request, as the HTTP layer submits it. */
export interface GenerationRequest {
  readonly requestId: string;
  readonly prompt: string;
  readonly maxTokens: number;
  /** Stop strings; the output ends before the first one generated. */
  readonly stop: readonly string[];
  /** The client's sampling parameters; an engine with a simulated model ignores them. */
  readonly sampling?: SamplingParameters;
  /** `traceparent`, `tracestate` and `x-llm-journey-sampled`, as the API layer injected them. */
  readonly traceHeaders: Readonly<Record<string, string>>;
  /**
   * The client's request headers. Never sent to an engine: only a tracing mode that has
   * no API layer reads the client's trace context from them on the HTTP side.
   */
  readonly incomingHeaders?: IncomingHttpHeaders;
  /** When the HTTP request arrived, in tracer-core's `monotonicSeconds()`. HTTP side only. */
  readonly arrivalTime?: number;
}

/** Sampling as the client asked for it (OpenAI's `temperature`, `top_p`, `seed`). */
export interface SamplingParameters {
  readonly temperature?: number;
  readonly topP?: number;
  readonly seed?: number;
}

/** What `/v1/models` says of the engine's model. */
export interface ModelCard {
  readonly id: string;
  readonly description: string;
}

/** A request's end, as the engine reports it. */
export interface FinishedEvent {
  readonly type: "finished";
  readonly status: FinishStatus;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Why, for `error` and `ignored`. */
  readonly error?: string;
  /** What the core tracer measured, when the request was traced (for the API span). */
  readonly latencies?: CoreLatencies;
}

/** New text of a request. */
export interface TokenEvent {
  readonly type: "token";
  /** Text generated since the previous event. */
  readonly text: string;
  /** Output tokens so far. */
  readonly outputTokens: number;
}

/** What the engine reports for one request, in order: tokens, then exactly one `finished`. */
export type EngineEvent = TokenEvent | FinishedEvent;

/** The engine's live counts; every one but the cumulative ones is 0 when the engine is idle. */
export interface EngineCounts {
  /** `llm_core` spans started and not yet ended. */
  readonly activeSpans: number;
  /** Per-request entries held by the core tracer. */
  readonly trackedEntries: number;
  /** Per-request entries held by a second journey stream (a tracing mode's plug-in), else 0. */
  readonly streamEntries: number;
  /** That stream's records not yet sent with a step's outputs, else 0. */
  readonly streamRecords: number;
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

/** The counts of an engine that holds nothing: at start, and after a restart. */
export const ZERO_COUNTS: EngineCounts = Object.freeze({
  activeSpans: 0,
  trackedEntries: 0,
  streamEntries: 0,
  streamRecords: 0,
  running: 0,
  waiting: 0,
  kvBlocksUsed: 0,
  spansDropped: 0,
  counting: 0,
  closedByWatchdog: 0,
});

/** One span as `/debug/journeys` returns it. Times are decimal strings of nanoseconds. */
export interface JourneySpan {
  name: string;
  kind: "INTERNAL" | "SERVER" | "CLIENT" | "PRODUCER" | "CONSUMER";
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /**
   * The documented JSON has both keys: the server always sends `message`, `""` when the span has
   * none. Optional in the type only so that captures made before that still type-check.
   */
  status: { code: "UNSET" | "OK" | "ERROR"; message: string };
  attributes: Attributes;
  events: Array<{ name: string; timeUnixNano: string; attributes: Attributes }>;
  /** The span's links, when it has any (an `llm_step` span's links to `llm_core` spans). */
  links?: JourneySpanLink[];
}

/** One link of a span: the linked span's ids and the link's own attributes. */
export interface JourneySpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/**
 * An ended span on its way from the engine: what the HTTP side files it by and derives
 * metrics from, and the whole span as `JourneySpan` JSON text, parsed only when read. One
 * string crosses a thread boundary instead of a graph of objects to clone, and the store
 * keeps that string: its length is its size in `/debug/journeys`.
 */
export interface ForwardedSpan {
  readonly name: string;
  readonly traceId: string;
  /** The span's own attributes (not its events'), shared with `json`'s content. */
  readonly attributes: Attributes;
  /** `JSON.stringify` of the span's `JourneySpan`. */
  readonly json: string;
}

/** The inference engine, as the HTTP side uses it. */
export interface Engine {
  /** The model it serves. */
  readonly model: ModelCard;
  /**
   * Queues a request and returns its events, to iterate once; leaving the loop early
   * (break, throw) aborts the request. Throws if a request with the same id is still in
   * flight. After shutdown the events end at once with `finished`, status `aborted`.
   */
  submit(request: GenerationRequest): AsyncIterable<EngineEvent>;
  /** Idempotent; the request's stream then ends with a `finished` event, status `aborted`. */
  abort(requestId: string): void;
  /** Fresh live counts. After shutdown, the last ones known. */
  counts(): Promise<EngineCounts>;
  /** The core tracer's open journeys, read now. After shutdown, none. */
  openJourneys(): Promise<OpenCoreJourney[]>;
  /**
   * How long the engine has left a liveness probe unanswered, in ms; 0 when it answers
   * (an engine on the HTTP thread's own event loop is always 0).
   */
  readonly unansweredHeartbeatMs: number;
  /** Receives every batch of ended core and step spans. Returns a function that unsubscribes. */
  onSpans(listener: (spans: ForwardedSpan[]) => void): () => void;
  /**
   * Receives the records a second journey stream (a tracing mode's plug-in) produced in
   * each step, before that step's events. Returns a function that unsubscribes.
   */
  onJourneyRecords(listener: (records: unknown) => void): () => void;
  /** Aborts every request in flight, ends every core span, flushes, stops. Safe twice. */
  shutdown(): Promise<void>;
}
