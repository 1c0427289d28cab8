import type { TracingErrorHandler } from "@llm-journey/tracer-core";
import { assertSampleRate, NoSdkReporter } from "@llm-journey/tracer-core/internal";
import { API_SPAN_NAME, API_TRACER_SCOPE } from "./api-attributes.js";
import type { ApiJourneyTracer, JourneyStart } from "./api-tracer.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import type { OpenApiJourney } from "./open-api-journey.js";

/**
 * An API tracer created before the application registered its OpenTelemetry SDK (for
 * example at module level, where ESM imports run before the body that registers it).
 * Every request gets the no-op handle until an SDK appears; from then on the real tracer
 * serves them, as OpenTelemetry's ProxyTracer does. The first journey started while
 * there is none is reported once to `onError`; after that a request costs a check for
 * the SDK (two calls and a property read) and one flag check, and allocates nothing.
 */
export class DeferredApiTracer implements ApiJourneyTracer {
  private current: ApiJourneyTracer | undefined;
  private rate: number;
  private readonly noSdk: NoSdkReporter;

  /**
   * `bind` returns the real tracer, at the rate given, once an SDK is registered, and
   * undefined until then.
   */
  constructor(
    private readonly bind: (sampleRate: number) => ApiJourneyTracer | undefined,
    sampleRate: number,
    onError: TracingErrorHandler,
  ) {
    this.rate = sampleRate;
    this.noSdk = new NoSdkReporter(onError, {
      operation: "startJourney",
      scope: API_TRACER_SCOPE,
      spanName: API_SPAN_NAME,
    });
  }

  get enabled(): boolean {
    return this.resolve()?.enabled ?? false;
  }

  get sampleRate(): number {
    return this.current?.sampleRate ?? this.rate;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
    this.rate = rate;
    if (this.current !== undefined) this.current.sampleRate = rate;
  }

  get activeSpans(): number {
    return this.current?.activeSpans ?? 0;
  }

  get trackedEntries(): number {
    return this.current?.trackedEntries ?? 0;
  }

  get closedByWatchdog(): number {
    return this.current?.closedByWatchdog ?? 0;
  }

  openJourneys(): OpenApiJourney[] {
    return this.current?.openJourneys() ?? [];
  }

  startJourney(start: JourneyStart): JourneyHandle {
    const tracer = this.resolve();
    if (tracer !== undefined) return tracer.startJourney(start);
    // `?.`: starting a journey must not throw, even without a start object.
    this.noSdk.report(start?.requestId);
    return NOOP_JOURNEY_HANDLE;
  }

  shutdown(): void {
    this.current?.shutdown();
  }

  private resolve(): ApiJourneyTracer | undefined {
    if (this.current === undefined) this.current = this.bind(this.rate);
    return this.current;
  }
}
