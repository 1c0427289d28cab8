import { createLegacyJourneyRecorder, dualJourneyTracer } from "@llm-journey/legacy-buffer";
import { DEFAULT_MAX_EVENTS_PER_SPAN } from "@llm-journey/tracer-core";
import type { BufferedJourneyStreamFactory } from "../engine/engine-host.js";

/**
 * The engine side of `legacy` and `dual` modes, loaded by `EngineHost.create` only in
 * those modes: the legacy recorder buffers journey records, alone (`legacy`) or beside
 * the core tracer through the same hooks (`dual`), and the engine drains them with every
 * step's outputs. Deleted with the legacy-buffer package in Phase 3.
 */
export const createBufferedJourneyStream: BufferedJourneyStreamFactory = (core, options) => {
  const recorder = createLegacyJourneyRecorder({
    // The API side sends `x-llm-journey-sampled` in dual mode; in legacy mode there is no
    // API layer, so the recorder samples at the server's rate itself.
    sampleRate: options.sampleRate,
    // The core tracer's budget, so both streams keep the same events of a long journey.
    maxEventsPerSpan: DEFAULT_MAX_EVENTS_PER_SPAN,
    onError: options.onError,
  });
  const tracer = options.mode === "legacy" ? recorder : dualJourneyTracer(core, recorder, options);
  return {
    tracer,
    drain: () => (recorder.bufferedRecords === 0 ? undefined : recorder.drainStep()),
    get trackedEntries() {
      return recorder.trackedEntries;
    },
    get bufferedRecords() {
      return recorder.bufferedRecords;
    },
  };
};
