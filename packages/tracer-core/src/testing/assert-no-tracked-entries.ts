/** Any layer's live counters, as the tracers expose them. */
export interface TrackedState {
  readonly activeSpans: number;
  readonly trackedEntries: number;
}

/** Throws unless the layer holds no open span and no per-request entry. */
export function assertNoTrackedEntries(state: TrackedState, layer = "tracer"): void {
  if (state.activeSpans !== 0 || state.trackedEntries !== 0) {
    throw new Error(
      `${layer} still holds ${state.activeSpans} open spans and ${state.trackedEntries} tracked entries`,
    );
  }
}
