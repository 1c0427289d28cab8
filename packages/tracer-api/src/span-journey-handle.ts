import type { OutgoingHeaders } from "@llm-journey/context-propagation";
import { monotonicSeconds, type TracingErrorHandler } from "@llm-journey/tracer-core";
import { describeError, elapsedMicroseconds, spanTime } from "@llm-journey/tracer-core/internal";
import { type HrTime, type Span, SpanStatusCode } from "@opentelemetry/api";
import type { AbortReason } from "./abort-reason.js";
import { ApiAttr, ApiEvent } from "./api-attributes.js";
import type {
  Content,
  CoreLatencies,
  JourneyHandle,
  RequestAttributes,
  Usage,
} from "./journey-handle.js";
import type { OpenApiJourney } from "./open-api-journey.js";
import type { OpenJourneyLinks, OpenJourneys } from "./open-journeys.js";

/** `error` on `api.ABORTED` is a message for people, never a stack or request content. */
const MAX_ERROR_LENGTH = 256;

/** What every handle of one tracer shares: kept once, referenced by each handle. */
export interface HandleSettings {
  /** The API layer's open journeys; a handle leaves it when it closes. */
  readonly open: OpenJourneys<SpanJourneyHandle>;
  readonly onError: TracingErrorHandler;
  readonly captureContent: boolean;
}

/**
 * A traced request. Closing it (the first `departed` or `aborted`) emits the one terminal
 * event, ends the span and takes the handle out of its tracer's open journeys, the API
 * layer's one cleanup; later calls do nothing. No method throws.
 *
 * Thousands are alive at once on a busy server, so it keeps only what differs per
 * request; what its tracer decided is behind one shared `settings` reference.
 */
export class SpanJourneyHandle implements JourneyHandle, OpenJourneyLinks<SpanJourneyHandle> {
  previousOpen: SpanJourneyHandle | undefined = undefined;
  nextOpen: SpanJourneyHandle | undefined = undefined;
  /** Whole microseconds from `arrivedAt` to the first response (see `elapsedMicroseconds`). */
  private firstResponseAfter: number | undefined;
  /** The latest event; once it is `api.DEPARTED` or `api.ABORTED`, the journey is closed. */
  private lastEvent: OpenApiJourney["lastEvent"] = ApiEvent.ARRIVED;

  constructor(
    readonly requestId: string,
    private readonly span: Span,
    readonly coreHeaders: Readonly<OutgoingHeaders>,
    private readonly settings: HandleSettings,
    /** Monotonic seconds at `startJourney`: the journey's age and the watchdog's clock. */
    readonly arrivedAt: number,
    /** The wall clock at `arrivedAt` (see `spanTime`), which the span started at. */
    private readonly anchor: number,
  ) {
    this.event(ApiEvent.ARRIVED, this.arrivedAt);
  }

  get traced(): boolean {
    return true;
  }

  get capturesContent(): boolean {
    return this.settings.captureContent;
  }

  get closed(): boolean {
    // No field of its own: one field less on every open journey.
    const last = this.lastEvent;
    return last === ApiEvent.DEPARTED || last === ApiEvent.ABORTED;
  }

  setRequestAttributes(request: RequestAttributes): void {
    if (this.closed) return;
    try {
      const span = this.span;
      setDefined(span, ApiAttr.OPERATION_NAME, request.operation);
      setDefined(span, ApiAttr.REQUEST_MODEL, request.model);
      setDefined(span, ApiAttr.REQUEST_MAX_TOKENS, request.maxTokens);
      setDefined(span, ApiAttr.REQUEST_TEMPERATURE, request.temperature);
      setDefined(span, ApiAttr.REQUEST_TOP_P, request.topP);
      setDefined(span, ApiAttr.REQUEST_CHOICE_COUNT, request.choiceCount);
      setDefined(span, ApiAttr.REQUEST_STREAM, request.stream);
    } catch (error) {
      this.settings.onError(error, "setAttributes");
    }
  }

  setContent(content: Content): void {
    if (this.closed || !this.capturesContent) return;
    try {
      if (content.inputMessages !== undefined)
        this.span.setAttribute(ApiAttr.INPUT_MESSAGES, JSON.stringify(content.inputMessages));
      if (content.outputMessages !== undefined)
        this.span.setAttribute(ApiAttr.OUTPUT_MESSAGES, JSON.stringify(content.outputMessages));
    } catch (error) {
      this.settings.onError(error, "setContent");
    }
  }

  setUsage(usage: Usage): void {
    if (this.closed) return;
    try {
      setDefined(this.span, ApiAttr.USAGE_INPUT_TOKENS, usage.inputTokens);
      setDefined(this.span, ApiAttr.USAGE_OUTPUT_TOKENS, usage.outputTokens);
    } catch (error) {
      this.settings.onError(error, "setAttributes");
    }
  }

  setCoreLatencies(latencies: CoreLatencies | undefined): void {
    if (this.closed || latencies === undefined) return;
    try {
      setDefined(this.span, ApiAttr.LATENCY_TIME_IN_QUEUE, latencies.timeInQueue);
      setDefined(this.span, ApiAttr.LATENCY_PREFILL, latencies.prefill);
      setDefined(this.span, ApiAttr.LATENCY_DECODE, latencies.decode);
    } catch (error) {
      this.settings.onError(error, "setAttributes");
    }
  }

  setFinishReasons(reasons: readonly string[]): void {
    if (this.closed) return;
    try {
      this.span.setAttribute(ApiAttr.RESPONSE_FINISH_REASONS, [...reasons]);
    } catch (error) {
      this.settings.onError(error, "setAttributes");
    }
  }

  handoffToCore(): void {
    if (this.closed) return;
    this.lastEvent = ApiEvent.HANDOFF_TO_CORE;
    this.event(ApiEvent.HANDOFF_TO_CORE, monotonicSeconds());
  }

  firstResponse(): void {
    if (this.closed || this.firstResponseAfter !== undefined) return;
    const now = monotonicSeconds();
    this.firstResponseAfter = elapsedMicroseconds(this.arrivedAt, now);
    this.lastEvent = ApiEvent.FIRST_RESPONSE_FROM_CORE;
    this.event(ApiEvent.FIRST_RESPONSE_FROM_CORE, now);
  }

  /** What `openJourneys()` reports, read now. */
  snapshot(now: number): OpenApiJourney {
    const context = this.span.spanContext();
    return {
      requestId: this.requestId,
      traceId: context.traceId,
      spanId: context.spanId,
      ageMs: (now - this.arrivedAt) * 1000,
      lastEvent: this.lastEvent,
    };
  }

  /** Reports a failure of code run on this journey's behalf, such as `beforeDeparted`. */
  reportError(error: unknown, operation: string): void {
    this.settings.onError(error, operation);
  }

  departed(): void {
    this.close(ApiEvent.DEPARTED, undefined, undefined);
  }

  aborted(reason: AbortReason, error?: unknown): void {
    this.close(ApiEvent.ABORTED, reason, error);
  }

  private close(
    terminal: typeof ApiEvent.DEPARTED | typeof ApiEvent.ABORTED,
    reason: AbortReason | undefined,
    error: unknown,
  ): void {
    if (this.closed) return;
    this.lastEvent = terminal;
    // Released first: whatever the span does next, the handle cannot outlive the request.
    this.settings.open.delete(this);
    const now = monotonicSeconds();
    try {
      const span = this.span;
      if (reason === undefined) {
        span.addEvent(terminal, timestamped(now), this.timeOf(now));
      } else {
        const message = errorMessage(error, reason);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        span.addEvent(
          terminal,
          {
            "event.ts.monotonic": now,
            reason,
            error: message,
          } satisfies {
            [ApiAttr.EVENT_TS_MONOTONIC]: number;
            [ApiAttr.ABORT_REASON]: string;
            [ApiAttr.ABORT_ERROR]: string;
          },
          this.timeOf(now),
        );
      }
      span.setAttribute(ApiAttr.LATENCY_E2E, elapsedMicroseconds(this.arrivedAt, now) / 1e6);
      if (this.firstResponseAfter !== undefined) {
        span.setAttribute(ApiAttr.LATENCY_TIME_TO_FIRST_TOKEN, this.firstResponseAfter / 1e6);
      }
    } catch (failure) {
      this.settings.onError(failure, terminal);
    }
    try {
      this.span.end(this.timeOf(now));
    } catch (failure) {
      this.settings.onError(failure, "end");
    }
  }

  private event(name: string, at: number): void {
    try {
      this.span.addEvent(name, timestamped(at), this.timeOf(at));
    } catch (error) {
      this.settings.onError(error, name);
    }
  }

  /** The span time of the monotonic reading `at` (see `spanTime`). */
  private timeOf(at: number): HrTime {
    return spanTime(this.anchor, this.arrivedAt, at);
  }
}

/** One setAttribute per key: no attributes object built only for the SDK to walk. */
function setDefined(span: Span, key: string, value: string | number | boolean | undefined): void {
  if (value !== undefined) span.setAttribute(key, value);
}

/**
 * An API event's attributes. A literal key: V8 builds such a literal from a template,
 * three times faster than one with a computed key (`[ApiAttr.EVENT_TS_MONOTONIC]`).
 */
function timestamped(at: number): { [ApiAttr.EVENT_TS_MONOTONIC]: number } {
  return { "event.ts.monotonic": at };
}

function errorMessage(error: unknown, reason: AbortReason): string {
  const message = error === undefined ? reason : describeError(error);
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}
