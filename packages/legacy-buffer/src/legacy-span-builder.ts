import type { HeaderMap } from "@llm-journey/context-propagation";
import type { FinishStatus } from "@llm-journey/tracer-core";
import type { Attributes } from "@opentelemetry/api";
import type { LegacyJourneyRecord, LegacyStepRecords } from "./journey-record.js";

/** What the output side knows when a request arrives. */
export interface LegacyBeginOptions {
  /**
   * When the request arrived, in seconds on tracer-core's `monotonicSeconds()` clock (the
   * clock of the records' `ts.monotonic`; shared by the worker threads and processes of
   * one machine). The span starts here. Default: now.
   */
  arrivalTime?: number;
  /**
   * The headers the API layer sends to the engine (`handle.coreHeaders`): the span's
   * parent is the context they carry (root when none), and `x-llm-journey-sampled: 0`
   * means nothing is kept for the request. Never pass a client's raw headers.
   */
  traceHeaders?: HeaderMap;
  /** Extra span attributes, for example `gen_ai.request.model`. */
  attributes?: Attributes;
}

/** What the output side knows when a request ends. */
export interface LegacyCompleteOptions {
  /**
   * How the request ended, used only when no `journey.FINISHED` record was collected
   * (the engine's own status wins otherwise). Default: `aborted`.
   */
  status?: FinishStatus;
  /** Why it failed: a one-line message becomes the ERROR status message. */
  error?: unknown;
  /** When the request completed, in `monotonicSeconds()`. The span ends here. Default: now. */
  completedAt?: number;
  /**
   * When the output side saw the first token, in `monotonicSeconds()`, for
   * `gen_ai.latency.time_to_first_token`. Default: the FIRST_TOKEN record's time.
   */
  firstResponseTime?: number;
  /** Extra span attributes, for example `gen_ai.usage.output_tokens`. */
  attributes?: Attributes;
}

/**
 * The output side of the legacy path: records are collected per request as the steps'
 * outputs arrive, and one `llm_request` span (scope `llm-journey.legacy`) is built after
 * the fact when the request completes.
 *
 * `complete` is the output side's one cleanup: call it on every way a request ends
 * (success, length, abort, error, timeout, disconnect), from a `finally`; it builds the
 * span once from whatever was collected and removes the entry, and a second call does
 * nothing. Records for a request that was never begun or has already completed are
 * dropped, so a late FINISHED after an abort cannot recreate an entry. No method throws.
 */
export interface LegacySpanBuilder {
  /**
   * Whether spans can be built now: false when legacy tracing is off, and, for a builder
   * created before an SDK was registered globally, until one is.
   */
  readonly enabled: boolean;
  /** A request arrived: keeps an entry for it unless it is sampled out. */
  begin(requestId: string, options?: LegacyBeginOptions): void;
  /** Appends one request's records, as shipped from the scheduler. */
  collect(requestId: string, records: readonly LegacyJourneyRecord[]): void;
  /** Appends everything one `drainStep` produced. */
  collectStep(step: LegacyStepRecords): void;
  /**
   * Builds and ends the request's span from the collected records (adding a FINISHED with
   * `options.status` when none arrived) and removes its entry. A request whose records
   * never arrived gets no span: the scheduler did not record it.
   */
  complete(requestId: string, options?: LegacyCompleteOptions): void;
  /** Server shutdown: completes every open request as `aborted`. */
  shutdown(): void;
  /** Always 0: a legacy span is started and ended within `complete`. */
  readonly activeSpans: number;
  /** Requests begun and not yet completed; 0 when the server is idle. */
  readonly trackedEntries: number;
  /** Records collected and not yet turned into a span; 0 when the server is idle. */
  readonly bufferedRecords: number;
}
