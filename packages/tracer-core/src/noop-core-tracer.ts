import type { CoreJourneyTracer } from "./core-tracer.js";

/** Tracing off: every hook is an empty function and nothing is kept. One shared instance. */
export const NOOP_CORE_TRACER: CoreJourneyTracer = Object.freeze({
  enabled: false,
  requestAdded() {},
  requestScheduled() {},
  requestProgressed() {},
  requestPreempted() {},
  requestFinished() {},
  stepFinished() {},
  shutdown() {},
  openJourneys: () => [],
  closedByWatchdog: 0,
  activeSpans: 0,
  trackedEntries: 0,
});
