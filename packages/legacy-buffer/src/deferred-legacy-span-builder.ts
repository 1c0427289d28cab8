import type { TracingErrorHandler } from "@llm-journey/tracer-core";
import { NoSdkReporter } from "@llm-journey/tracer-core/internal";
import type { LegacyJourneyRecord, LegacyStepRecords } from "./journey-record.js";
import { LEGACY_SPAN_NAME, LEGACY_TRACER_SCOPE } from "./legacy-names.js";
import type {
  LegacyBeginOptions,
  LegacyCompleteOptions,
  LegacySpanBuilder,
} from "./legacy-span-builder.js";

/**
 * A span builder created before the application registered its OpenTelemetry SDK (for
 * example at module level, where ESM imports run before the body that registers it).
 * It keeps nothing until an SDK appears, then the real builder serves every request
 * begun from that moment, as tracer-core's and tracer-api's deferred tracers do. Only
 * `begin` and `enabled` look for the SDK: no entry exists before one, so every other
 * method goes straight to the real builder, or does nothing. The first request begun
 * while there is none is reported once, so the legacy stream never goes dark unnoticed.
 */
export class DeferredLegacySpanBuilder implements LegacySpanBuilder {
  private current: LegacySpanBuilder | undefined;
  private readonly noSdk: NoSdkReporter;

  /** `bind` returns the real builder once an SDK is registered, and undefined until then. */
  constructor(
    private readonly bind: () => LegacySpanBuilder | undefined,
    onError: TracingErrorHandler,
  ) {
    this.noSdk = new NoSdkReporter(onError, {
      operation: "begin",
      scope: LEGACY_TRACER_SCOPE,
      spanName: LEGACY_SPAN_NAME,
    });
  }

  get enabled(): boolean {
    return this.resolve()?.enabled ?? false;
  }

  get activeSpans(): number {
    return this.current?.activeSpans ?? 0;
  }

  get trackedEntries(): number {
    return this.current?.trackedEntries ?? 0;
  }

  get bufferedRecords(): number {
    return this.current?.bufferedRecords ?? 0;
  }

  begin(requestId: string, options?: LegacyBeginOptions): void {
    const builder = this.resolve();
    if (builder === undefined) this.noSdk.report(requestId);
    else builder.begin(requestId, options);
  }

  collect(requestId: string, records: readonly LegacyJourneyRecord[]): void {
    this.current?.collect(requestId, records);
  }

  collectStep(step: LegacyStepRecords): void {
    this.current?.collectStep(step);
  }

  complete(requestId: string, options?: LegacyCompleteOptions): void {
    this.current?.complete(requestId, options);
  }

  shutdown(): void {
    this.current?.shutdown();
  }

  private resolve(): LegacySpanBuilder | undefined {
    if (this.current === undefined) this.current = this.bind();
    return this.current;
  }
}
