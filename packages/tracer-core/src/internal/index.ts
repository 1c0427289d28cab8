/**
 * @packageDocumentation
 * Not a public API. What the llm-journey packages share among themselves (the other
 * layers, the legacy shim, the demo server): sampling decisions, span timing, the
 * watchdog, finding a late-registered SDK. It changes whenever they need it to, in any
 * release and without a changeset's notice; an application must not import it.
 */
export { acquireLayer, type LayerAcquisition } from "../acquire-layer.js";
export { DeferredCoreTracer } from "../deferred-core-tracer.js";
export { DeferredLayer, type DeferredLayerOptions } from "../deferred-layer.js";
export { toOpenAiFinishReason } from "../journey-types.js";
export {
  JourneyWatchdog,
  resolveMaxJourneyAge,
  sweepIntervalMs,
  watchdogClosure,
} from "../journey-watchdog.js";
export { elapsedMicroseconds } from "../monotonic-clock.js";
export { NoopCoreTracer } from "../noop-core-tracer.js";
export { NoopJourneyLayer, NoopLayer } from "../noop-layer.js";
export { isUnconfiguredGlobal, registeredTracer } from "../registered-tracer.js";
export { requestIdOf } from "../request-view.js";
export { assertSampleRate, decideSampled } from "../sample-rate.js";
export { spanTime, wallClockAnchor } from "../span-time.js";
export { describeError } from "../tracing-error-reporter.js";
export type { TracingLayer } from "../tracing-layer.js";
