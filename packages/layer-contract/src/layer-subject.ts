import type { TracingErrorHandler } from "@llm-journey/tracer-core";
import type { TestTracing } from "@llm-journey/tracer-core/testing";
import type { TracerProvider } from "@opentelemetry/api";

/** The options every layer's create function takes. */
export interface LayerOptions {
  enabled?: boolean;
  /** Absent: the global provider. */
  tracerProvider?: TracerProvider;
  sampleRate?: number;
  maxJourneyAgeMs?: number;
  onError?: TracingErrorHandler;
}

/** A request a test left open, driven through the layer's own calls. */
export interface OpenRequest {
  /** Every call a layer takes for a request after its start, short of its cleanup. */
  progress(): void;
  /** The layer's cleanup for the request (a `finally`'s call). */
  finish(): void;
}

/**
 * One layer's tracer, as the contract suites drive it: how to create it, how a request
 * goes through it, and what it records.
 */
export interface LayerSubject<T> {
  /** The layer's name in test titles: "core tracer". */
  readonly name: string;
  /** The create function: the `operation` of a failure to acquire the tracer. */
  readonly createOperation: string;
  /** The call that starts a journey: the `operation` of the no-SDK report. */
  readonly startOperation: string;
  /** Its tracer scope and span, as the no-SDK report names them. */
  readonly scope: string;
  readonly spanName: string;
  /** The layer's shared no-op. */
  readonly noop: T;
  /** Whether it tells `onError` when a request meets no SDK (the legacy recorder leaves that to its output side). */
  readonly reportsNoSdk: boolean;
  /** Whether it has a `sampleRate`. */
  readonly sampled: boolean;
  create(options: LayerOptions): T;
  /**
   * Starts a request and leaves it open. `upstreamTraced`: it comes marked traced by the
   * API layer (`x-llm-journey-sampled: 1`), so the core knows it must have its journey.
   */
  open(tracer: T, requestId: string, options?: { upstreamTraced?: boolean }): OpenRequest;
  /** Runs requests to their end, aborting those in `abort`, as a server or engine would. */
  serve(tracer: T, requestIds: readonly string[], abort?: readonly string[]): void;
  /** The ids of the requests the layer recorded into `testing` so far, in the order recorded. */
  recorded(tracer: T, testing: TestTracing): string[];
  /** Shuts the layer down (the engine's or server's shutdown). */
  shutdown(tracer: T): void;
  /** For a layer with a watchdog: the requests whose spans in `testing` it closed. */
  closedByWatchdog?(testing: TestTracing): string[];
}
