import { DeferredLayer } from "@llm-journey/tracer-core/internal";
import type { ApiJourneyTracer, JourneyStart } from "./api-tracer.js";
import type { JourneyHandle } from "./journey-handle.js";
import type { OpenApiJourney } from "./open-api-journey.js";

/**
 * The API tracer waiting for the SDK (see tracer-core's `DeferredLayer`): every request
 * gets the no-op handle until an SDK appears; from then on the SDK's tracer serves them.
 */
export class DeferredApiTracer extends DeferredLayer<ApiJourneyTracer> implements ApiJourneyTracer {
  get sampleRate(): number {
    return this.rate;
  }

  set sampleRate(rate: number) {
    this.rate = rate;
  }

  get closedByWatchdog(): number {
    return this.current.closedByWatchdog;
  }

  openJourneys(): OpenApiJourney[] {
    return this.current.openJourneys();
  }

  startJourney(start: JourneyStart): JourneyHandle {
    // `?.`: starting a journey must not throw, even without a start object.
    return this.forRequest(start?.requestId).startJourney(start);
  }

  shutdown(): void {
    this.current.shutdown();
  }
}
