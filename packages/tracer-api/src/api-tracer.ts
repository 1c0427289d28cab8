import type { HeaderMap } from "@llm-journey/context-propagation";
import type { JourneyHandle } from "./journey-handle.js";
import type { OpenApiJourney } from "./open-api-journey.js";

/** What a request brings to `startJourney`. */
export interface JourneyStart {
  /** The server's request id; becomes `gen_ai.request.id` on both spans. */
  requestId: string;
  /** The client's request headers; only `traceparent` and `tracestate` are read. */
  headers?: HeaderMap | undefined;
}

/**
 * The HTTP-side tracer: decides sampling once per request and hands out journey
 * handles. `shutdown()` aborts every open journey with reason `shutdown`.
 */
export interface ApiJourneyTracer {
  /**
   * Whether spans can be recorded now: false when tracing is off, and, for a tracer
   * created before an SDK was registered globally, until one is.
   */
  readonly enabled: boolean;
  /**
   * Share of requests traced, in [0, 1]; may be changed while serving. A value outside
   * [0, 1] throws a `RangeError`. Always 0 for the no-op.
   */
  sampleRate: number;
  /** Decides sampling and, when traced, starts `llm_request` and emits `api.ARRIVED`. */
  startJourney(start: JourneyStart): JourneyHandle;
  /**
   * Server shutdown: closes every open journey with `api.ABORTED`, reason `shutdown`,
   * and stops the watchdog's sweep.
   */
  shutdown(): void;
  /**
   * The journeys open now, oldest first: request id, trace id, age and latest event.
   * Built from the open handles, only when called; empty for the no-op.
   */
  openJourneys(): OpenApiJourney[];
  /** Journeys the watchdog (`maxJourneyAgeMs`) closed so far. */
  readonly closedByWatchdog: number;
  /** `llm_request` spans started and not yet ended. */
  readonly activeSpans: number;
  /** Journey handles held by this layer; 0 when the server is idle. */
  readonly trackedEntries: number;
}
