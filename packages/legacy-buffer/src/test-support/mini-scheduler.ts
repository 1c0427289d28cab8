import type { CoreJourneyTracer, CoreRequestView, FinishStatus } from "@llm-journey/tracer-core";

/** A request as the test scheduler keeps it; it is its own `CoreRequestView`. */
export interface TestRequest extends CoreRequestView {
  readonly requestId: string;
  readonly promptTokens: number;
  readonly maxTokens: number;
  /** Output length at which a stop sequence "matches". */
  readonly stopAfter?: number | undefined;
  computedTokens: number;
  outputTokens: number;
  preemptions: number;
}

export interface LoopShape {
  /** Requests in the running batch at most. */
  readonly maxRunning: number;
  /** Prompt tokens one request may compute per step (chunked prefill). */
  readonly prefillChunk: number;
  /** KV capacity in tokens; past it the newest running request is evicted (recompute). */
  readonly kvCapacityTokens: number;
}

export interface Finished {
  readonly requestId: string;
  readonly status: FinishStatus;
}

export function testRequest(
  fields: Pick<TestRequest, "requestId" | "promptTokens" | "maxTokens"> &
    Partial<Pick<TestRequest, "traceHeaders" | "stopAfter">>,
): TestRequest {
  return { ...fields, computedTokens: 0, outputTokens: 0, preemptions: 0 };
}

/**
 * The smallest continuous-batching loop that walks a request through every hook: FCFS
 * admission, chunked prefill, one token per decode step, eviction by recompute when the
 * KV budget overflows, a stop or length finish, abort, a failing completion path and
 * shutdown. Test support only.
 */
export class MiniScheduler {
  private readonly queue: TestRequest[] = [];
  private readonly batch: TestRequest[] = [];
  private stepCount = 0;

  constructor(
    private readonly hooks: CoreJourneyTracer,
    private readonly shape: LoopShape,
    private readonly failsInCompletion: (request: TestRequest) => boolean = () => false,
  ) {}

  get idle(): boolean {
    return this.queue.length === 0 && this.batch.length === 0;
  }

  get step(): number {
    return this.stepCount;
  }

  add(request: TestRequest): void {
    this.queue.push(request);
    this.hooks.requestAdded(request, this.stepCount);
  }

  abort(requestId: string): boolean {
    if (!this.take(requestId)) return false;
    this.hooks.requestFinished(requestId, "aborted", this.stepCount);
    return true;
  }

  runStep(): Finished[] {
    this.stepCount++;
    while (this.queue.length > 0 && this.batch.length < this.shape.maxRunning) {
      const next = this.queue[0] as TestRequest;
      const fits =
        this.kvInUse() + next.promptTokens + next.outputTokens <= this.shape.kvCapacityTokens;
      if (!fits && this.batch.length > 0) break;
      this.queue.shift();
      this.batch.push(next);
      this.hooks.requestScheduled(next, this.stepCount);
    }
    for (const request of this.batch) {
      if (request.computedTokens < request.promptTokens) {
        request.computedTokens = Math.min(
          request.promptTokens,
          request.computedTokens + this.shape.prefillChunk,
        );
        if (request.computedTokens === request.promptTokens) request.outputTokens++;
      } else {
        request.outputTokens++;
      }
      this.hooks.requestProgressed(request, this.stepCount);
    }
    while (this.kvInUse() > this.shape.kvCapacityTokens && this.batch.length > 1) {
      const evicted = this.batch.pop() as TestRequest;
      evicted.computedTokens = 0;
      evicted.preemptions++;
      this.queue.unshift(evicted);
      this.hooks.requestPreempted(evicted, this.stepCount);
    }
    const finished: Finished[] = [];
    for (const request of [...this.batch]) {
      let status: FinishStatus | undefined;
      try {
        if (this.failsInCompletion(request)) throw new Error("completion path failed");
        if (request.stopAfter !== undefined && request.outputTokens >= request.stopAfter) {
          status = "stopped";
        } else if (request.outputTokens >= request.maxTokens) {
          status = "length";
        }
      } catch {
        status = "error";
      } finally {
        if (status !== undefined) {
          this.take(request.requestId);
          this.hooks.requestFinished(request.requestId, status, this.stepCount);
          finished.push({ requestId: request.requestId, status });
        }
      }
    }
    return finished;
  }

  /** Engine shutdown: every request in flight ends as aborted. */
  shutdown(): string[] {
    const inFlight = [...this.batch, ...this.queue].map((request) => request.requestId);
    this.batch.length = 0;
    this.queue.length = 0;
    this.hooks.shutdown(this.stepCount);
    return inFlight;
  }

  private kvInUse(): number {
    let tokens = 0;
    for (const request of this.batch) tokens += request.computedTokens + request.outputTokens;
    return tokens;
  }

  private take(requestId: string): boolean {
    for (const list of [this.batch, this.queue]) {
      const index = list.findIndex((request) => request.requestId === requestId);
      if (index >= 0) {
        list.splice(index, 1);
        return true;
      }
    }
    return false;
  }
}
