import { monotonicSeconds } from "@llm-journey/tracer-core";

/** What the engine measured of one request, in seconds; absent when it did not happen. */
export interface EngineLatencies {
  /** From queued to first scheduled. */
  readonly timeInQueue?: number;
  /** From first scheduled to the first output token. */
  readonly prefill?: number;
  /** From the first output token to the end. */
  readonly decode?: number;
}

/**
 * When a request was queued, first scheduled and produced its first token, read on the
 * engine's thread as it happens. The engine reports the latencies with the request's
 * last output, so the API span can carry them without waiting for the core span.
 */
export class RequestTimeline {
  private readonly queuedAt = monotonicSeconds();
  private scheduledAt: number | undefined;
  private firstTokenAt: number | undefined;

  /** Only the first call counts: a resume after a preemption is not the queue time. */
  scheduled(): void {
    this.scheduledAt ??= monotonicSeconds();
  }

  firstToken(): void {
    this.firstTokenAt ??= monotonicSeconds();
  }

  latencies(): EngineLatencies {
    const { queuedAt, scheduledAt, firstTokenAt } = this;
    if (scheduledAt === undefined) return {};
    if (firstTokenAt === undefined) return { timeInQueue: scheduledAt - queuedAt };
    return {
      timeInQueue: scheduledAt - queuedAt,
      prefill: firstTokenAt - scheduledAt,
      decode: monotonicSeconds() - firstTokenAt,
    };
  }
}
