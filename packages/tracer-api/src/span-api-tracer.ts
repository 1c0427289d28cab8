import {
  extractContext,
  injectSampledSpanContext,
  SAMPLED_HEADER,
} from "@llm-journey/context-propagation";
import {
  monotonicSeconds,
  type TracingErrorHandler,
  TracingNotice,
} from "@llm-journey/tracer-core";
import {
  assertSampleRate,
  decideSampled,
  JourneyWatchdog,
  spanTime,
  wallClockAnchor,
  watchdogClosure,
} from "@llm-journey/tracer-core/internal";
import {
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type Tracer,
} from "@opentelemetry/api";
import { API_SPAN_NAME, ApiAttr } from "./api-attributes.js";
import type { ApiJourneyTracer, JourneyStart } from "./api-tracer.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import type { OpenApiJourney } from "./open-api-journey.js";
import { OpenJourneys } from "./open-journeys.js";
import { type HandleSettings, SpanJourneyHandle } from "./span-journey-handle.js";

/** Tracing on: one `llm_request` span per sampled request, its handle tracked until closed. */
export class SpanApiTracer implements ApiJourneyTracer {
  readonly enabled = true;
  private rate: number;
  private readonly open = new OpenJourneys<SpanJourneyHandle>();
  /** One object shared by every handle of this tracer, so a handle keeps one reference. */
  private readonly settings: HandleSettings;
  private readonly watchdog: JourneyWatchdog | undefined;
  private watchdogClosedCount = 0;
  private samplerDropReported = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly options: {
      sampleRate: number;
      trustClientContext: boolean;
      captureContent: boolean;
      onError: TracingErrorHandler;
      /** Close journeys open longer than this; undefined: no watchdog. */
      maxJourneyAgeMs: number | undefined;
    },
  ) {
    this.rate = options.sampleRate;
    this.settings = {
      open: this.open,
      onError: options.onError,
      captureContent: options.captureContent,
    };
    const maxAge = options.maxJourneyAgeMs;
    this.watchdog =
      maxAge === undefined
        ? undefined
        : new JourneyWatchdog(maxAge, (openedBefore) => this.closeOlderThan(openedBefore));
  }

  get sampleRate(): number {
    return this.rate;
  }

  set sampleRate(rate: number) {
    assertSampleRate(rate, "sampleRate");
    this.rate = rate;
  }

  get activeSpans(): number {
    return this.open.size;
  }

  get trackedEntries(): number {
    return this.open.size;
  }

  get closedByWatchdog(): number {
    return this.watchdogClosedCount;
  }

  openJourneys(): OpenApiJourney[] {
    const now = monotonicSeconds();
    const open: OpenApiJourney[] = [];
    for (const handle of this.open.toArray()) {
      try {
        open.push(handle.snapshot(now));
      } catch (error) {
        this.options.onError(error, "openJourneys");
      }
    }
    return open;
  }

  startJourney(start: JourneyStart): JourneyHandle {
    // The one decision for both layers, with the SDK's sampler below: a request is traced
    // when both say yes. A client-sent sampled header is never read.
    if (!decideSampled(this.rate)) return NOOP_JOURNEY_HANDLE;
    try {
      const parent = this.options.trustClientContext ? extractContext(start.headers) : ROOT_CONTEXT;
      const arrivedAt = monotonicSeconds();
      const anchor = wallClockAnchor();
      const span = this.tracer.startSpan(
        API_SPAN_NAME,
        {
          kind: SpanKind.SERVER,
          startTime: spanTime(anchor, arrivedAt, arrivedAt),
          // A literal key: V8 builds it from a template, unlike `[ApiAttr.REQUEST_ID]`.
          attributes: { "gen_ai.request.id": start.requestId } satisfies {
            [ApiAttr.REQUEST_ID]: string;
          },
        },
        parent,
      );
      if (!isRecording(span)) {
        // The SDK's sampler said no (AlwaysOff, a ratio, or ParentBased under an unsampled
        // parent): the request is sampled out on both layers, and "0" is what travels.
        span.end();
        this.reportSamplerDrop();
        return NOOP_JOURNEY_HANDLE;
      }
      // Straight from the span context: no context object built only to be read back.
      const coreHeaders = injectSampledSpanContext(spanContextOf(span));
      const handle = new SpanJourneyHandle(
        start.requestId,
        span,
        coreHeaders,
        this.settings,
        arrivedAt,
        anchor,
      );
      this.open.add(handle);
      this.watchdog?.watch();
      return handle;
    } catch (error) {
      this.options.onError(error, "startJourney");
      return NOOP_JOURNEY_HANDLE;
    }
  }

  shutdown(): void {
    this.watchdog?.stop();
    for (const handle of this.open.toArray()) handle.aborted("shutdown", "server shutting down");
  }

  /**
   * The watchdog's sweep: aborts, oldest first, every journey started at or before
   * `openedBefore`, through the handle's own close (the layer's one cleanup).
   */
  /**
   * Said once, so that a sampler that drops everything (AlwaysOff) or more than expected
   * is not a silent mystery; with ParentBased or a ratio sampler it is simply how they work.
   */
  private reportSamplerDrop(): void {
    if (this.samplerDropReported) return;
    this.samplerDropReported = true;
    this.options.onError(
      new TracingNotice(
        "sampler-dropped-request",
        "info",
        `the tracer provider's sampler made ${API_SPAN_NAME} non-recording for a request the sample rate picked, so the request is not traced on either layer (${SAMPLED_HEADER}: 0). Expected with ParentBased under a caller whose sampled flag is off, or a ratio sampler; use AlwaysOnSampler to let the sample rate alone decide. Said once.`,
      ),
      "startJourney",
    );
  }

  private closeOlderThan(openedBefore: number): boolean {
    const maxAgeMs = this.watchdog?.maxAgeMs ?? 0;
    try {
      let handle = this.open.oldest;
      while (handle !== undefined && handle.arrivedAt <= openedBefore) {
        const next = handle.nextOpen;
        const report = watchdogClosure(handle.requestId, maxAgeMs);
        handle.aborted("watchdog", report);
        this.watchdogClosedCount++;
        this.options.onError(report, "watchdog");
        handle = next;
      }
    } catch (error) {
      this.options.onError(error, "watchdog");
    }
    return this.open.size > 0;
  }
}

/**
 * The span's context, or undefined when a broken span cannot give it: the span must
 * still get its handle, or nothing would end it.
 */
function spanContextOf(span: Span): SpanContext | undefined {
  try {
    return span.spanContext();
  } catch {
    return undefined;
  }
}

/** A span that cannot say whether it records is kept, so that its handle still ends it. */
function isRecording(span: Span): boolean {
  try {
    return span.isRecording();
  } catch {
    return true;
  }
}
