import { assertSampleRate } from "@llm-journey/tracer-core";
import type { ApiJourneyTracer, JourneyStart } from "./api-tracer.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import type { OpenApiJourney } from "./open-api-journey.js";

/**
 * An API tracer created before the application registered its OpenTelemetry SDK (for
 * example at module level, where ESM imports run before the body that registers it).
 * Every request gets the no-op handle until an SDK appears; from then on the real tracer
 * serves them, as OpenTelemetry's ProxyTracer does. Until then a request costs a check
 * for the SDK (two calls and a property read) and allocates nothing.
 */
export class DeferredApiTracer implements ApiJourneyTracer {
  private current: ApiJourneyTracer | undefined;
  private rate: number;

  /**
   * `bind` returns the real tracer, at the rate given, once an SDK is registered, and
   * undefined until then.
   */
  constructor(
    private readonly bind: (sampleRate: number) => ApiJourneyTracer | undefined,
    sampleRate: number,
  ) {
    this.rate = sampleRate;
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
    return this.resolve()?.startJourney(start) ?? NOOP_JOURNEY_HANDLE;
  }

  shutdown(): void {
    this.current?.shutdown();
  }

  private resolve(): ApiJourneyTracer | undefined {
    if (this.current === undefined) this.current = this.bind(this.rate);
    return this.current;
  }
}
