import type { CoreJourneyTracer, CoreLatencies } from "./core-tracer.js";
import { CORE_SPAN_NAME, CORE_TRACER_SCOPE, type FinishStatus } from "./journey-types.js";
import { NoSdkReporter } from "./no-sdk-reporter.js";
import { NOOP_CORE_TRACER } from "./noop-core-tracer.js";
import type { OpenCoreJourney } from "./open-journey.js";
import type { CoreRequestView } from "./request-view.js";
import { assertSampleRate } from "./sample-rate.js";
import type { CoreStepView } from "./step-view.js";
import type { TracingErrorHandler } from "./tracing-error-reporter.js";

/**
 * A core tracer created before the application registered its OpenTelemetry SDK (for
 * example at module level, where ESM imports run before the body that registers it).
 * It is the no-op until an SDK appears, then becomes the real tracer, as OpenTelemetry's
 * ProxyTracer does. Only `requestAdded`, `stepFinished` and `enabled` look for the SDK:
 * no journey can exist before one, so every other hook goes straight to the current
 * tracer. The first request added while there is none is reported once to `onError`.
 */
export class DeferredCoreTracer implements CoreJourneyTracer {
  private current: CoreJourneyTracer = NOOP_CORE_TRACER;
  private bound = false;
  /** A rate set before the SDK came, handed to the real tracer; undefined: as configured. */
  private rateSet: number | undefined;
  private readonly noSdk: NoSdkReporter;

  /**
   * `bind` returns the real tracer, with the rate set meanwhile if any, once an SDK is
   * registered, and undefined until then.
   */
  constructor(
    private readonly bind: (rateSet: number | undefined) => CoreJourneyTracer | undefined,
    private readonly configuredRate: number,
    onError: TracingErrorHandler,
  ) {
    this.noSdk = new NoSdkReporter(onError, {
      operation: "requestAdded",
      scope: CORE_TRACER_SCOPE,
      spanName: CORE_SPAN_NAME,
    });
  }

  get enabled(): boolean {
    return this.resolve().enabled;
  }

  get sampleRate(): number {
    return this.bound ? this.current.sampleRate : (this.rateSet ?? this.configuredRate);
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
    if (this.bound) this.current.sampleRate = rate;
    else this.rateSet = rate;
  }

  get activeSpans(): number {
    return this.current.activeSpans;
  }

  get trackedEntries(): number {
    return this.current.trackedEntries;
  }

  get closedByWatchdog(): number {
    return this.current.closedByWatchdog;
  }

  openJourneys(): OpenCoreJourney[] {
    return this.current.openJourneys();
  }

  requestAdded(request: CoreRequestView, step: number): void {
    this.resolve().requestAdded(request, step);
    // `?.`: a hook must not throw, even for a request that is not an object.
    if (!this.bound) this.noSdk.report(request?.requestId);
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
    // Step spans are sampled on their own, so they too start once an SDK is registered.
    this.resolve().stepFinished(step);
  }

  shutdown(step: number): void {
    this.current.shutdown(step);
  }

  private resolve(): CoreJourneyTracer {
    if (this.bound) return this.current;
    const tracer = this.bind(this.rateSet);
    if (tracer !== undefined) {
      this.current = tracer;
      this.bound = true;
    }
    return this.current;
  }
}
