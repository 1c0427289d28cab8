import { NoopJourneyLayer } from "@llm-journey/tracer-core/internal";
import type { ApiJourneyTracer, JourneyStart } from "./api-tracer.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";

/** API tracing off: every request gets the shared no-op handle. */
class NoopApiTracer extends NoopJourneyLayer implements ApiJourneyTracer {
  startJourney(_start: JourneyStart): JourneyHandle {
    return NOOP_JOURNEY_HANDLE;
  }
}

/** The one shared no-op API tracer: `createApiTracer({ enabled: false })` returns it. */
export const NOOP_API_TRACER: ApiJourneyTracer = Object.freeze(new NoopApiTracer());
