import { assertSampleRate } from "./sample-rate.js";
import type { TracingLayer } from "./tracing-layer.js";

/**
 * What every layer's no-op shares: tracing off, nothing kept. Each layer's no-op extends
 * it with its own empty hooks and is one frozen instance, shared by every tracer created
 * disabled and every tracer whose SDK failed to give a tracer. A class, not an object
 * literal: V8 keeps a frozen literal that has an accessor (`sampleRate`) in dictionary
 * mode, where each hook call is a hash lookup, measurably slower on this hot path.
 */
export class NoopLayer implements TracingLayer {
  readonly enabled = false;
  readonly activeSpans = 0;
  readonly trackedEntries = 0;

  shutdown(): void {}
}

/**
 * The no-op of a layer that samples and watches its journeys: nothing is traced whatever
 * the rate, so `sampleRate` reads 0, and a rate set here is checked (a `RangeError` outside
 * [0, 1], as on every form) and then has no effect. No journey is ever open.
 */
export class NoopJourneyLayer extends NoopLayer {
  readonly closedByWatchdog = 0;

  get sampleRate(): number {
    return 0;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
  }

  openJourneys(): never[] {
    return [];
  }
}
