import { SAMPLED_HEADER } from "@llm-journey/context-propagation";
import {
  type Attributes,
  type Link,
  type SpanContext,
  SpanKind,
  type Tracer,
} from "@opentelemetry/api";
import { isMarkedNotSampled } from "./request-view.js";
import { decideSampled } from "./sample-rate.js";
import type { StepTracingSettings } from "./step-tracing-options.js";
import { STEP_SPAN_NAME, StepAttr, type StepSampleReason } from "./step-types.js";
import type { CoreStepView } from "./step-view.js";
import type { TracingErrorHandler } from "./tracing-error-reporter.js";

/** Receives one call per scheduler step. */
export interface StepRecorder {
  stepFinished(step: CoreStepView): void;
}

/** Step spans off: nothing is read, nothing is kept. */
export const NOOP_STEP_RECORDER: StepRecorder = Object.freeze({ stepFinished() {} });

/**
 * Decides at the end of each step whether to keep it, and only then builds its `llm_step`
 * span, started and ended in the same call: nothing is kept from one step to the next.
 * A dropped step costs a few comparisons and at most a random draw and a clock reading.
 */
export class StepSpanRecorder implements StepRecorder {
  /** The second in which the rate's picks are counted against `maxPerSecond`. */
  private windowStartedAt = Number.NEGATIVE_INFINITY;
  private keptInWindow = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly settings: StepTracingSettings,
    /** The open `llm_core` span of a request, if it is traced and not finished. */
    private readonly coreSpanOf: (requestId: string) => SpanContext | undefined,
    private readonly onError: TracingErrorHandler,
  ) {}

  stepFinished(step: CoreStepView): void {
    try {
      const { slowMs } = this.settings;
      let reason: StepSampleReason | undefined;
      if (step.preemptions > 0) reason = "preemption";
      else if (decideSampled(this.settings.sampleRate) && this.withinRateLimit()) reason = "rate";
      // The clock is read only when the answer depends on it.
      if (reason === undefined && slowMs === Number.POSITIVE_INFINITY) return;
      const endedAt = performance.now();
      if (endedAt - step.startedAt >= slowMs) {
        if (reason !== "preemption") reason = "slow";
      } else if (reason === undefined) {
        return;
      }
      this.record(step, reason, endedAt);
    } catch (error) {
      this.onError(error, "stepFinished");
    }
  }

  /** Counts one more step kept by the rate; false when this second's `maxPerSecond` is spent. */
  private withinRateLimit(): boolean {
    const max = this.settings.maxPerSecond;
    if (max === Number.POSITIVE_INFINITY) return true;
    // Read only for a step the rate picked: a dropped step still reads no clock.
    const now = performance.now();
    if (now - this.windowStartedAt >= 1000) {
      this.windowStartedAt = now;
      this.keptInWindow = 0;
    }
    if (this.keptInWindow >= max) return false;
    this.keptInWindow++;
    return true;
  }

  private record(step: CoreStepView, reason: StepSampleReason, endedAt: number): void {
    const maxLinks = this.settings.maxLinks;
    const links: Link[] = [];
    let batchSize = 0;
    let dropped = 0;
    let unlinked = 0;
    for (const entry of step.batch) {
      batchSize++;
      const request = entry.request;
      const headers = request.traceHeaders;
      if (isMarkedNotSampled(headers)) continue;
      const context = this.coreSpanOf(request.requestId);
      if (context === undefined) {
        // The API layer traced it, yet its span is gone: the step was reported after the
        // request's cleanup (or the watchdog closed it), so the link cannot be made.
        if (headers?.[SAMPLED_HEADER] === "1") unlinked++;
        continue;
      }
      if (links.length >= maxLinks) {
        dropped++;
        continue;
      }
      links.push({
        context,
        attributes: {
          [StepAttr.LINK_REQUEST_ID]: request.requestId,
          [StepAttr.LINK_TOKENS]: entry.tokens,
          [StepAttr.LINK_PHASE]: entry.phase,
        },
      });
    }
    const attributes: Attributes = {
      [StepAttr.STEP]: step.step,
      [StepAttr.DURATION]: (endedAt - step.startedAt) / 1000,
      [StepAttr.NUM_RUNNING]: step.running,
      [StepAttr.NUM_WAITING]: step.waiting,
      [StepAttr.BATCH_SIZE]: batchSize,
      [StepAttr.BATCH_PREFILL_TOKENS]: step.prefillTokens,
      [StepAttr.BATCH_DECODE_SEQS]: step.decodeSeqs,
      [StepAttr.NUM_PREEMPTIONS]: step.preemptions,
      [StepAttr.SAMPLE_REASON]: reason,
    };
    if (step.kvBlocksUsed !== undefined) attributes[StepAttr.KV_BLOCKS_USED] = step.kvBlocksUsed;
    if (step.kvBlocksTotal !== undefined) attributes[StepAttr.KV_BLOCKS_TOTAL] = step.kvBlocksTotal;
    if (dropped > 0) attributes[StepAttr.LINKS_DROPPED] = dropped;
    // Epoch milliseconds: unambiguous to every SDK, unlike a bare performance.now() reading.
    const origin = performance.timeOrigin;
    const span = this.tracer.startSpan(STEP_SPAN_NAME, {
      kind: SpanKind.INTERNAL,
      root: true,
      startTime: origin + step.startedAt,
      attributes,
      links,
    });
    span.end(origin + endedAt);
    if (unlinked > 0) {
      this.onError(
        new Error(
          `step ${step.step}: ${unlinked} traced requests of the batch had no open llm_core span (already finished: call stepFinished before the step's requestFinished calls; or closed by the watchdog)`,
        ),
        "stepFinished",
      );
    }
  }
}
