import {
  type CoreJourneyTracer,
  type CoreTracerOptions,
  createCoreTracer,
  type FinishStatus,
} from "@llm-journey/tracer-core";
import {
  assertNoTrackedEntries,
  createTestTracing,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import {
  createLegacyJourneyRecorder,
  createLegacySpanBuilder,
  dualJourneyTracer,
  LEGACY_SPAN_NAME,
  LEGACY_TRACER_SCOPE,
  type LegacyJourneyRecorder,
  type LegacyRecorderOptions,
  type LegacySpanBuilder,
  type LegacySpanBuilderOptions,
} from "../index.js";
import { type LoopShape, MiniScheduler, type TestRequest } from "./mini-scheduler.js";

export interface HarnessOptions {
  readonly shape: LoopShape;
  readonly failsInCompletion?: (request: TestRequest) => boolean;
  /** Run the core tracer beside the legacy path (dual mode). Default: true. */
  readonly dual?: boolean;
  readonly core?: CoreTracerOptions;
  readonly recorder?: LegacyRecorderOptions;
  readonly builder?: LegacySpanBuilderOptions;
  /** Called before every engine step, for example to advance a test clock. */
  readonly beforeStep?: () => void;
}

/**
 * A scheduler, the legacy path's two sides and the core tracer wired as a server wires
 * them: the engine drains the recorder after every step and ships the records by
 * structured clone, as across a worker-thread boundary; the output side collects them
 * and completes each request when its final output arrives.
 */
export class DualModeHarness {
  readonly testing: TestTracing = createTestTracing();
  readonly core: CoreJourneyTracer;
  readonly recorder: LegacyJourneyRecorder;
  readonly builder: LegacySpanBuilder;
  readonly scheduler: MiniScheduler;
  /** Records shipped across the boundary, per request, in order. */
  readonly shipped = new Map<string, unknown[]>();
  private readonly beforeStep: () => void;

  constructor(options: HarnessOptions) {
    const onError = () => {};
    this.core = createCoreTracer({
      tracerProvider: this.testing.provider,
      onError,
      enabled: options.dual ?? true,
      ...options.core,
    });
    this.recorder = createLegacyJourneyRecorder({ onError, ...options.recorder });
    this.builder = createLegacySpanBuilder({
      tracerProvider: this.testing.provider,
      onError,
      ...options.builder,
    });
    this.beforeStep = options.beforeStep ?? (() => {});
    this.scheduler = new MiniScheduler(
      dualJourneyTracer(this.core, this.recorder),
      options.shape,
      options.failsInCompletion,
    );
  }

  /** The API side hands a request to the engine. */
  submit(request: TestRequest): void {
    this.builder.begin(request.requestId, { traceHeaders: request.traceHeaders });
    this.scheduler.add(request);
  }

  /** One engine step, its outputs shipped and the finished requests completed. */
  step(): void {
    this.beforeStep();
    const finished = this.scheduler.runStep();
    this.ship();
    for (const { requestId, status } of finished) this.complete(requestId, status);
  }

  runToIdle(maxSteps = 10_000): void {
    for (let i = 0; i < maxSteps && !this.scheduler.idle; i++) this.step();
    if (!this.scheduler.idle) throw new Error("the scheduler did not drain");
  }

  /** The API asks the engine to stop a request; its FINISHED comes back with the outputs. */
  abort(requestId: string): void {
    this.scheduler.abort(requestId);
    this.ship();
    this.complete(requestId, "aborted");
  }

  /** Engine shutdown, then server shutdown. */
  shutdown(): void {
    const inFlight = this.scheduler.shutdown();
    this.ship();
    for (const requestId of inFlight) this.complete(requestId, "aborted");
    this.builder.shutdown();
  }

  complete(requestId: string, status: FinishStatus): void {
    this.builder.complete(requestId, { status });
  }

  ship(): void {
    const step = structuredClone(this.recorder.drainStep());
    for (const { requestId, records } of step) {
      const list = this.shipped.get(requestId) ?? [];
      list.push(...records);
      this.shipped.set(requestId, list);
    }
    this.builder.collectStep(step);
  }

  coreSpans(): ReadableSpan[] {
    return this.testing.spansNamed("llm_core");
  }

  legacySpans(): ReadableSpan[] {
    return this.testing
      .spansNamed(LEGACY_SPAN_NAME)
      .filter((span) => span.instrumentationScope.name === LEGACY_TRACER_SCOPE);
  }

  /** Throws unless both sides of both streams hold nothing and every span ended once. */
  assertNothingLeft(): void {
    this.testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(this.core, "core");
    assertNoTrackedEntries(this.recorder, "legacy recorder");
    assertNoTrackedEntries(this.builder, "legacy span builder");
    if (this.recorder.bufferedRecords !== 0 || this.builder.bufferedRecords !== 0) {
      throw new Error(
        `records left: ${this.recorder.bufferedRecords} in the recorder, ${this.builder.bufferedRecords} in the builder`,
      );
    }
  }
}

/** The span whose `gen_ai.request.id` is `requestId`; throws unless there is exactly one. */
export function spanOf(spans: readonly ReadableSpan[], requestId: string): ReadableSpan {
  const found = spans.filter((span) => span.attributes["gen_ai.request.id"] === requestId);
  if (found.length !== 1) throw new Error(`${found.length} spans for ${requestId}`);
  return found[0] as ReadableSpan;
}
