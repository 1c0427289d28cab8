import { readSampledHeader } from "@llm-journey/context-propagation";
import type {
  CoreRequestView,
  FinishStatus,
  OpenCoreJourney,
  TracingErrorHandler,
} from "@llm-journey/tracer-core";
import { assertSampleRate, decideSampled, requestIdOf } from "@llm-journey/tracer-core/internal";
import {
  EMPTY_STEP_RECORDS,
  type LegacyJourneyRecord,
  type LegacyRequestRecords,
  type LegacyStepRecords,
} from "./journey-record.js";
import type { LegacyClientId, LegacyJourneyRecorder } from "./journey-recorder.js";
import { RecordedJourney } from "./recorded-journey.js";

/** Per client, the records of each request since the last drain, in first-appearance order. */
type ClientBuffer = Map<string, LegacyJourneyRecord[]>;

/**
 * Tracing on: one entry per sampled request in flight, and one buffer per client that
 * `drainStep` empties. Every hook catches and reports its own failures.
 */
export class BufferingJourneyRecorder implements LegacyJourneyRecorder {
  readonly enabled = true;
  /** The scheduler side never starts a span: the output side builds it after the fact. */
  readonly activeSpans = 0;
  /** The legacy path has no watchdog and no live listing: it predates both. */
  readonly closedByWatchdog = 0;
  private readonly journeys = new Map<string, RecordedJourney>();
  private readonly buffers = new Map<LegacyClientId, ClientBuffer>();
  private buffered = 0;
  private rate: number;

  constructor(
    private readonly options: {
      sampleRate: number;
      eventBudget: number;
      clientOf: (request: CoreRequestView) => LegacyClientId;
      onError: TracingErrorHandler;
    },
  ) {
    this.rate = options.sampleRate;
  }

  get sampleRate(): number {
    return this.rate;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
    this.rate = rate;
  }

  get trackedEntries(): number {
    return this.journeys.size;
  }

  get bufferedRecords(): number {
    return this.buffered;
  }

  openJourneys(): OpenCoreJourney[] {
    return [];
  }

  requestAdded(request: CoreRequestView, step: number): void {
    try {
      const requestId = request.requestId;
      if (this.journeys.has(requestId) || !this.shouldTrace(request)) return;
      const clientId = this.options.clientOf(request);
      const journey = new RecordedJourney(requestId, clientId, request, this.options.eventBudget);
      this.journeys.set(requestId, journey);
      this.append(journey, journey.queued(step));
    } catch (error) {
      this.options.onError(error, "requestAdded");
    }
  }

  requestScheduled(request: CoreRequestView, step: number): void {
    try {
      const journey = this.journeys.get(request.requestId);
      if (journey !== undefined) this.append(journey, journey.scheduled(request, step));
    } catch (error) {
      this.options.onError(error, "requestScheduled");
    }
  }

  requestProgressed(request: CoreRequestView, step: number): void {
    try {
      const journey = this.journeys.get(request.requestId);
      if (journey !== undefined) this.append(journey, journey.progressed(request, step));
    } catch (error) {
      this.options.onError(error, "requestProgressed");
    }
  }

  requestPreempted(request: CoreRequestView, step: number): void {
    try {
      const journey = this.journeys.get(request.requestId);
      if (journey !== undefined) this.append(journey, journey.preempted(request, step));
    } catch (error) {
      this.options.onError(error, "requestPreempted");
    }
  }

  /** The latencies are measured on the output side, from the records: none to return here. */
  requestFinished(
    request: CoreRequestView | string,
    status: FinishStatus,
    step: number,
  ): undefined {
    const requestId = requestIdOf(request);
    const journey = this.journeys.get(requestId);
    if (journey === undefined) return;
    // Removed first: whatever happens next, the entry cannot outlive the request.
    this.journeys.delete(requestId);
    try {
      journey.refresh();
    } catch (error) {
      // FINISHED is still recorded, from the last state the view gave.
      this.options.onError(error, "requestFinished");
    }
    this.append(journey, journey.finished(status, step));
  }

  /** The buffered path never had step spans: nothing to record. */
  stepFinished(): void {}

  shutdown(step: number): void {
    for (const requestId of [...this.journeys.keys()]) {
      this.requestFinished(requestId, "aborted", step);
    }
  }

  drainStep(clientId?: LegacyClientId): LegacyStepRecords {
    if (this.buffered === 0) return EMPTY_STEP_RECORDS;
    const drained: LegacyRequestRecords[] = [];
    if (clientId === undefined) {
      for (const buffer of this.buffers.values()) this.take(buffer, drained);
      this.buffers.clear();
    } else {
      const buffer = this.buffers.get(clientId);
      if (buffer === undefined) return EMPTY_STEP_RECORDS;
      this.buffers.delete(clientId);
      this.take(buffer, drained);
    }
    return drained;
  }

  private take(buffer: ClientBuffer, into: LegacyRequestRecords[]): void {
    for (const [requestId, records] of buffer) {
      into.push({ requestId, records });
      this.buffered -= records.length;
    }
  }

  private append(journey: RecordedJourney, record: LegacyJourneyRecord | undefined): void {
    if (record === undefined) return;
    let buffer = this.buffers.get(journey.clientId);
    if (buffer === undefined) {
      buffer = new Map();
      this.buffers.set(journey.clientId, buffer);
    }
    const records = buffer.get(journey.requestId);
    if (records === undefined) buffer.set(journey.requestId, [record]);
    else records.push(record);
    this.buffered++;
  }

  private shouldTrace(request: CoreRequestView): boolean {
    // The API layer's decision wins; without it the recorder applies its own rate .
    return readSampledHeader(request.traceHeaders) ?? decideSampled(this.rate);
  }
}
