import type {
  CoreLatencies,
  CoreRequestView,
  FinishStatus,
  OpenCoreJourney,
} from "@llm-journey/tracer-core";
import { assertSampleRate } from "@llm-journey/tracer-core/internal";
import type { LegacyStepRecords } from "./journey-record.js";
import type { LegacyClientId, LegacyJourneyRecorder } from "./journey-recorder.js";
import { NOOP_LEGACY_RECORDER } from "./noop-journey-recorder.js";

/**
 * A recorder given the global provider before the application registered its SDK: the
 * no-op until an SDK appears, then the buffering recorder, as tracer-core's deferred
 * tracer does. Only `requestAdded` and `enabled` look for the SDK: no entry exists before
 * one, so every other hook goes straight to the current recorder. It reports nothing
 * itself: the output side, which builds the spans, says when there is no SDK.
 */
export class DeferredLegacyRecorder implements LegacyJourneyRecorder {
  private current: LegacyJourneyRecorder = NOOP_LEGACY_RECORDER;
  private bound = false;
  private rate: number;

  /**
   * `bind` returns the buffering recorder, at the rate given, once an SDK is registered,
   * and undefined until then.
   */
  constructor(
    private readonly bind: (sampleRate: number) => LegacyJourneyRecorder | undefined,
    sampleRate: number,
  ) {
    this.rate = sampleRate;
  }

  get enabled(): boolean {
    return this.resolve().enabled;
  }

  get sampleRate(): number {
    return this.bound ? this.current.sampleRate : this.rate;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
    if (this.bound) this.current.sampleRate = rate;
    else this.rate = rate;
  }

  get activeSpans(): number {
    return this.current.activeSpans;
  }

  get trackedEntries(): number {
    return this.current.trackedEntries;
  }

  get bufferedRecords(): number {
    return this.current.bufferedRecords;
  }

  get closedByWatchdog(): number {
    return this.current.closedByWatchdog;
  }

  openJourneys(): OpenCoreJourney[] {
    return this.current.openJourneys();
  }

  requestAdded(request: CoreRequestView, step: number): void {
    this.resolve().requestAdded(request, step);
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

  /** The buffered path has no step spans: nothing to wait for. */
  stepFinished(): void {}

  shutdown(step: number): void {
    this.current.shutdown(step);
  }

  drainStep(clientId?: LegacyClientId): LegacyStepRecords {
    return this.current.drainStep(clientId);
  }

  private resolve(): LegacyJourneyRecorder {
    if (this.bound) return this.current;
    const recorder = this.bind(this.rate);
    if (recorder !== undefined) {
      this.current = recorder;
      this.bound = true;
    }
    return this.current;
  }
}
