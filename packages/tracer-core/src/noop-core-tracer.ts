import type { CoreJourneyTracer, CoreLatencies } from "./core-tracer.js";
import type { OpenCoreJourney } from "./open-journey.js";
import { assertSampleRate } from "./sample-rate.js";

/**
 * Tracing off: every hook is an empty function and nothing is kept. A class, not an object
 * literal: V8 keeps a frozen literal that has an accessor (`sampleRate`) in dictionary
 * mode, where each hook call is a hash lookup, measurably slower on this hot path.
 */
class NoopCoreTracer implements CoreJourneyTracer {
  readonly enabled = false;
  readonly closedByWatchdog = 0;
  readonly activeSpans = 0;
  readonly trackedEntries = 0;

  /** Nothing is traced whatever the rate; a rate set here is checked, then has no effect. */
  get sampleRate(): number {
    return 0;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
  }

  requestAdded(): void {}
  requestScheduled(): void {}
  requestProgressed(): void {}
  requestPreempted(): void {}
  requestFinished(): CoreLatencies | undefined {
    return undefined;
  }
  stepFinished(): void {}
  shutdown(): void {}
  openJourneys(): OpenCoreJourney[] {
    return [];
  }
}

/** The one shared no-op core tracer. */
export const NOOP_CORE_TRACER: CoreJourneyTracer = Object.freeze(new NoopCoreTracer());
