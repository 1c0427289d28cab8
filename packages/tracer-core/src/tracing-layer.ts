/**
 * What every layer's tracer has, whichever form it takes (the SDK's, the no-op, or the
 * deferred form waiting for an SDK): the API tracer, the core tracer and the legacy
 * path's recorder and span builder.
 */
export interface TracingLayer {
  /** Whether spans can be recorded now. */
  readonly enabled: boolean;
  /** Spans started and not yet ended. */
  readonly activeSpans: number;
  /** Per-request entries held; 0 when idle. */
  readonly trackedEntries: number;
  /** Share of requests traced, for the layers that sample. */
  sampleRate?: number;
}
