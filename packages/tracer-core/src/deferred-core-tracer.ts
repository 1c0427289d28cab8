import type { CoreJourneyTracer, CoreLatencies } from "./core-tracer.js";
import { DeferredLayer } from "./deferred-layer.js";
import type { FinishStatus } from "./journey-types.js";
import type { OpenCoreJourney } from "./open-journey.js";
import type { CoreRequestView } from "./request-view.js";
import type { CoreStepView } from "./step-view.js";

/**
 * The core tracer waiting for the SDK (see `DeferredLayer`). `requestAdded` starts a
 * journey, and `stepFinished` too looks for the SDK: step spans are sampled on their own,
 * so they start once an SDK is registered. Generic, so the legacy recorder, which has the
 * same hooks, waits the same way.
 */
export class DeferredCoreTracer<T extends CoreJourneyTracer = CoreJourneyTracer>
  extends DeferredLayer<T>
  implements CoreJourneyTracer
{
  get sampleRate(): number {
    return this.rate;
  }

  set sampleRate(rate: number) {
    this.rate = rate;
  }

  get closedByWatchdog(): number {
    return this.current.closedByWatchdog;
  }

  openJourneys(): OpenCoreJourney[] {
    return this.current.openJourneys();
  }

  requestAdded(request: CoreRequestView, step: number): void {
    // `?.`: a hook must not throw, even for a request that is not an object.
    this.forRequest(request?.requestId).requestAdded(request, step);
  }

  requestScheduled(request: CoreRequestView, step: number): void {
    this.current.requestScheduled(request, step);
  }

  requestProgressed(request: CoreRequestView, step: number): void {
    this.current.requestProgressed(request, step);
  }

  requestPreempted(request: CoreRequestView, step: number): void {
    this.current.requestPreempted(request, step);
  }

  requestFinished(
    request: CoreRequestView | string,
    status: FinishStatus,
    step: number,
  ): CoreLatencies | undefined {
    return this.current.requestFinished(request, status, step);
  }

  stepFinished(step: CoreStepView): void {
    this.resolve().stepFinished(step);
  }

  shutdown(step: number): void {
    this.current.shutdown(step);
  }
}
