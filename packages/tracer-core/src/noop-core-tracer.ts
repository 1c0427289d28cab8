import type { CoreJourneyTracer, CoreLatencies } from "./core-tracer.js";
import { NoopJourneyLayer } from "./noop-layer.js";

/**
 * Core tracing off: every hook is an empty function and nothing is kept. A subclass, so
 * the legacy recorder's no-op can add its own two members.
 */
export class NoopCoreTracer extends NoopJourneyLayer implements CoreJourneyTracer {
  requestAdded(): void {}
  requestScheduled(): void {}
  requestProgressed(): void {}
  requestPreempted(): void {}
  requestFinished(): CoreLatencies | undefined {
    return undefined;
  }
  stepFinished(): void {}
}

/** The one shared no-op core tracer: `createCoreTracer({ enabled: false })` returns it. */
export const NOOP_CORE_TRACER: CoreJourneyTracer = Object.freeze(new NoopCoreTracer());
