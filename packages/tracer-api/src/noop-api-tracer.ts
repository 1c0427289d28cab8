import { assertSampleRate } from "@llm-journey/tracer-core/internal";
import type { ApiJourneyTracer } from "./api-tracer.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import type { OpenApiJourney } from "./open-api-journey.js";

/** Tracing off: every request gets the shared no-op handle. */
export class NoopApiTracer implements ApiJourneyTracer {
  readonly enabled = false;
  readonly activeSpans = 0;
  readonly trackedEntries = 0;
  readonly closedByWatchdog = 0;
  private rate = 0;

  get sampleRate(): number {
    return this.rate;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
    this.rate = rate;
  }

  startJourney() {
    return NOOP_JOURNEY_HANDLE;
  }

  shutdown(): void {}

  openJourneys(): OpenApiJourney[] {
    return [];
  }
}
