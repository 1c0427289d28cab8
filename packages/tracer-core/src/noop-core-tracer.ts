import type { CoreJourneyTracer } from "./core-tracer.js";
import { assertSampleRate } from "./sample-rate.js";

/** Tracing off: every hook is an empty function and nothing is kept. One shared instance. */
export const NOOP_CORE_TRACER: CoreJourneyTracer = Object.freeze({
  enabled: false,
  /** Nothing is traced whatever the rate; a rate set here is checked, then has no effect. */
  get sampleRate(): number {
    return 0;
  },
  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
  },
  requestAdded() {},
  requestScheduled() {},
  requestProgressed() {},
  requestPreempted() {},
  requestFinished: () => undefined,
  stepFinished() {},
  shutdown() {},
  openJourneys: () => [],
  closedByWatchdog: 0,
  activeSpans: 0,
  trackedEntries: 0,
});
