import { DeferredLayer } from "@llm-journey/tracer-core/internal";
import type { LegacyJourneyRecord, LegacyStepRecords } from "./journey-record.js";
import type {
  LegacyBeginOptions,
  LegacyCompleteOptions,
  LegacySpanBuilder,
} from "./legacy-span-builder.js";

/**
 * A span builder waiting for the SDK (see tracer-core's `DeferredLayer`): it keeps
 * nothing until an SDK appears, then the SDK's builder serves every request begun from
 * that moment; records for a request begun before go nowhere.
 */
export class DeferredLegacySpanBuilder
  extends DeferredLayer<LegacySpanBuilder>
  implements LegacySpanBuilder
{
  get bufferedRecords(): number {
    return this.current.bufferedRecords;
  }

  begin(requestId: string, options?: LegacyBeginOptions): void {
    this.forRequest(requestId).begin(requestId, options);
  }

  collect(requestId: string, records: readonly LegacyJourneyRecord[]): void {
    this.current.collect(requestId, records);
  }

  collectStep(step: LegacyStepRecords): void {
    this.current.collectStep(step);
  }

  complete(requestId: string, options?: LegacyCompleteOptions): void {
    this.current.complete(requestId, options);
  }

  shutdown(): void {
    this.current.shutdown();
  }
}
