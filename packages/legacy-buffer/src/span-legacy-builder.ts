import { extractContext, readSampledHeader } from "@llm-journey/context-propagation";
import {
  CoreAttr,
  type FinishStatus,
  monotonicSeconds,
  type TracingErrorHandler,
} from "@llm-journey/tracer-core";
import { describeError } from "@llm-journey/tracer-core/internal";
import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { CollectedJourney } from "./collected-journey.js";
import {
  eventAttributes,
  eventName,
  isJourneyRecord,
  type LegacyJourneyRecord,
  type LegacyStepRecords,
} from "./journey-record.js";
import { LEGACY_SPAN_NAME } from "./legacy-names.js";
import type {
  LegacyBeginOptions,
  LegacyCompleteOptions,
  LegacySpanBuilder,
} from "./legacy-span-builder.js";
import { monotonicSpanClock } from "./monotonic-span-clock.js";

/** The ERROR status message is for people: one line, never a stack or request content. */
const MAX_ERROR_LENGTH = 256;

/**
 * Tracing on: one entry per request between `begin` and `complete`, kept in one map that
 * the cleanup empties. Every method catches and reports its own failures.
 */
export class SpanLegacyBuilder implements LegacySpanBuilder {
  readonly enabled = true;
  readonly activeSpans = 0;
  private readonly journeys = new Map<string, CollectedJourney>();
  private buffered = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly options: { eventBudget: number; onError: TracingErrorHandler },
  ) {}

  get trackedEntries(): number {
    return this.journeys.size;
  }

  get bufferedRecords(): number {
    return this.buffered;
  }

  begin(requestId: string, options: LegacyBeginOptions = {}): void {
    try {
      if (this.journeys.has(requestId)) return;
      // All or nothing: a request the API layer sampled out keeps no entry here.
      if (readSampledHeader(options.traceHeaders) === false) return;
      const journey = new CollectedJourney(
        options.arrivalTime ?? monotonicSeconds(),
        options.traceHeaders,
        options.attributes,
        this.options.eventBudget,
      );
      this.journeys.set(requestId, journey);
    } catch (error) {
      this.options.onError(error, "begin");
    }
  }

  collect(requestId: string, records: readonly LegacyJourneyRecord[]): void {
    try {
      const journey = this.journeys.get(requestId);
      if (journey === undefined) return;
      let invalid = 0;
      for (const record of records) {
        if (!isJourneyRecord(record)) invalid++;
        else if (journey.add(record)) this.buffered++;
      }
      if (invalid > 0) {
        this.options.onError(new TypeError(`${invalid} invalid journey records`), "collect");
      }
    } catch (error) {
      this.options.onError(error, "collect");
    }
  }

  collectStep(step: LegacyStepRecords): void {
    try {
      for (const { requestId, records } of step) this.collect(requestId, records);
    } catch (error) {
      this.options.onError(error, "collectStep");
    }
  }

  complete(requestId: string, options: LegacyCompleteOptions = {}): void {
    const journey = this.journeys.get(requestId);
    if (journey === undefined) return;
    // Removed first: whatever the span does next, the entry cannot outlive the request.
    this.journeys.delete(requestId);
    this.buffered -= journey.size;
    // Nothing recorded: the scheduler did not trace this request (sampled out, or it never
    // reached the engine), and the legacy path builds spans only from records.
    if (journey.size === 0) return;
    try {
      this.buildSpan(requestId, journey, options);
    } catch (error) {
      this.options.onError(error, "complete");
    }
  }

  shutdown(): void {
    for (const requestId of [...this.journeys.keys()]) {
      this.complete(requestId, { status: "aborted", error: "server shutdown" });
    }
  }

  private buildSpan(
    requestId: string,
    journey: CollectedJourney,
    options: LegacyCompleteOptions,
  ): void {
    const completedAt = options.completedAt ?? monotonicSeconds();
    const timeline = journey.timeline({
      status: options.status ?? "aborted",
      completedAt,
      firstResponseTime: options.firstResponseTime,
    });
    // One anchor for the whole span, so its events keep their monotonic intervals exactly.
    const spanTime = monotonicSpanClock();
    const span = this.tracer.startSpan(
      LEGACY_SPAN_NAME,
      {
        kind: SpanKind.SERVER,
        startTime: spanTime(journey.arrivalTime),
        attributes: { ...journey.attributes, [CoreAttr.REQUEST_ID]: requestId },
      },
      extractContext(journey.traceHeaders),
    );
    try {
      for (const record of timeline.events) {
        span.addEvent(eventName(record), eventAttributes(record), spanTime(record.ts));
      }
      span.setAttributes({ ...timeline.spanAttributes, ...options.attributes });
      if (isFailure(timeline.finishStatus)) {
        const message = errorMessage(options.error, timeline.finishStatus);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
      }
    } catch (error) {
      this.options.onError(error, "complete");
    }
    // Ended on every path, even when filling it failed half-way.
    try {
      span.end(spanTime(completedAt));
    } catch (error) {
      this.options.onError(error, "end");
    }
  }
}

function isFailure(status: FinishStatus): boolean {
  return status === "aborted" || status === "error";
}

function errorMessage(error: unknown, status: FinishStatus): string {
  const message = error === undefined ? status : describeError(error);
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}
