import { extractContext, readSampledHeader } from "@llm-journey/context-propagation";
import { SpanKind, type Tracer } from "@opentelemetry/api";
import { CoreJourney } from "./core-journey.js";
import type { CoreJourneyTracer } from "./core-tracer.js";
import { CORE_SPAN_NAME, CoreAttr, type FinishStatus } from "./journey-types.js";
import type { CoreRequestView } from "./request-view.js";
import { decideSampled } from "./sample-rate.js";
import type { TracingErrorHandler } from "./tracing-error-reporter.js";

/**
 * Tracing on: one `llm_core` span per sampled request, kept in one map that the
 * cleanup function empties. Every hook catches and reports its own failures.
 */
export class SpanCoreTracer implements CoreJourneyTracer {
  readonly enabled = true;
  private readonly journeys = new Map<string, CoreJourney>();

  constructor(
    private readonly tracer: Tracer,
    private readonly options: {
      sampleRate: number;
      eventBudget: number;
      onError: TracingErrorHandler;
    },
  ) {}

  get activeSpans(): number {
    return this.journeys.size;
  }

  get trackedEntries(): number {
    return this.journeys.size;
  }

  requestAdded(request: CoreRequestView, step: number): void {
    try {
      if (!this.shouldTrace(request) || this.journeys.has(request.requestId)) return;
      const span = this.tracer.startSpan(
        CORE_SPAN_NAME,
        { kind: SpanKind.INTERNAL, attributes: { [CoreAttr.REQUEST_ID]: request.requestId } },
        extractContext(request.traceHeaders),
      );
      const journey = new CoreJourney(span, request, this.options.eventBudget);
      // Tracked before the first event, so a throwing span is still ended by the cleanup.
      this.journeys.set(request.requestId, journey);
      journey.queued(step);
    } catch (error) {
      this.options.onError(error, "requestAdded");
    }
  }

  requestScheduled(request: CoreRequestView, step: number): void {
    try {
      const journey = this.journeys.get(request.requestId);
      if (journey === undefined) return;
      journey.scheduled(request, step);
    } catch (error) {
      this.options.onError(error, "requestScheduled");
    }
  }

  requestProgressed(request: CoreRequestView, step: number): void {
    try {
      const journey = this.journeys.get(request.requestId);
      if (journey === undefined) return;
      journey.progressed(request, step);
    } catch (error) {
      this.options.onError(error, "requestProgressed");
    }
  }

  requestPreempted(request: CoreRequestView, step: number): void {
    try {
      const journey = this.journeys.get(request.requestId);
      if (journey === undefined) return;
      journey.preempted(request, step);
    } catch (error) {
      this.options.onError(error, "requestPreempted");
    }
  }

  requestFinished(requestId: string, status: FinishStatus, step: number): void {
    const journey = this.journeys.get(requestId);
    if (journey === undefined) return;
    // Removed first: whatever the span does next, the entry cannot outlive the request.
    this.journeys.delete(requestId);
    try {
      journey.finish(status, step);
    } catch (error) {
      this.options.onError(error, "requestFinished");
    }
  }

  shutdown(step: number): void {
    for (const requestId of [...this.journeys.keys()]) {
      this.requestFinished(requestId, "aborted", step);
    }
  }

  private shouldTrace(request: CoreRequestView): boolean {
    // The API layer's decision wins; without it the core applies its own rate (SPEC §4).
    return readSampledHeader(request.traceHeaders) ?? decideSampled(this.options.sampleRate);
  }
}
