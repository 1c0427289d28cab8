import { NoopLayer } from "@llm-journey/tracer-core/internal";
import type { LegacySpanBuilder } from "./legacy-span-builder.js";

/** Legacy tracing off: every method is an empty function and nothing is kept. */
class NoopLegacySpanBuilder extends NoopLayer implements LegacySpanBuilder {
  readonly bufferedRecords = 0;

  begin(): void {}
  collect(): void {}
  collectStep(): void {}
  complete(): void {}
}

/** The one shared no-op span builder. */
export const NOOP_LEGACY_SPAN_BUILDER: LegacySpanBuilder = Object.freeze(
  new NoopLegacySpanBuilder(),
);
