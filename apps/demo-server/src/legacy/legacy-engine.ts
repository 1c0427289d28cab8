import { createLegacyJourneyRecorder, dualJourneyTracer } from "@llm-journey/legacy-buffer";
import { DEFAULT_MAX_EVENTS_PER_SPAN } from "@llm-journey/tracer-core";
import type { JourneyStreamModule } from "../engine/engine-host.js";

/** What the HTTP side's plan tells the engine side: which of the two legacy modes runs. */
export interface LegacyEngineOptions {
  mode: "legacy" | "dual";
}

/**
 * The engine side of `legacy` and `dual` modes, loaded by `EngineHost.create` only in
 * those modes: the legacy recorder buffers journey records, alone (`legacy`) or beside
 * the core tracer through the same hooks (`dual`), and the engine drains them with every
 * step's outputs. Deleted with the legacy-buffer package in Phase 3.
 */
export const createJourneyStream: JourneyStreamModule["createJourneyStream"] = (
  core,
  { options, sampleRate, onError },
) => {
  const { mode } = options as LegacyEngineOptions;
  const recorder = createLegacyJourneyRecorder({
    // The API side sends `x-llm-journey-sampled` in dual mode; in legacy mode there is no
    // API layer, so the recorder samples at the server's rate itself.
    sampleRate,
    // The core tracer's budget, so both streams keep the same events of a long journey.
    maxEventsPerSpan: DEFAULT_MAX_EVENTS_PER_SPAN,
    onError,
  });
  const tracer = mode === "legacy" ? recorder : dualJourneyTracer(core, recorder, { onError });
  return {
    tracer,
    drain: () => (recorder.bufferedRecords === 0 ? undefined : recorder.drainStep()),
    get trackedEntries() {
      return recorder.trackedEntries;
    },
    get pendingRecords() {
      return recorder.bufferedRecords;
    },
  };
};
