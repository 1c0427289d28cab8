import type { HeaderMap } from "@llm-journey/context-propagation";
import type { CoreJourneyTracer, CoreLatencies } from "../core-tracer.js";
import type { FinishStatus } from "../journey-types.js";
import type { CoreRequestView } from "../request-view.js";
import type { CoreBatchEntry, CoreStepView } from "../step-view.js";

/** A request as this scheduler keeps it; it is its own `CoreRequestView`. */
export interface SimulatedRequest extends CoreRequestView {
  readonly requestId: string;
  readonly traceHeaders?: HeaderMap | undefined;
  readonly promptTokens: number;
  readonly maxTokens: number;
  /** Output length at which a stop sequence "matches"; none when undefined. */
  readonly stopAfter?: number | undefined;
  computedTokens: number;
  outputTokens: number;
  preemptions: number;
}

export interface SchedulerShape {
  /** Running sequences at most. */
  maxRunning: number;
  /** Tokens computed per step, prefill chunks and decode tokens together. */
  tokenBudget: number;
  /** KV cache capacity in tokens; past it the newest running request is preempted. */
  kvCapacityTokens: number;
}

export interface FinishedRequest {
  readonly requestId: string;
  readonly status: FinishStatus;
  readonly outputTokens: number;
  /** What the core measured, for the API layer's `setCoreLatencies`; absent when untraced. */
  readonly latencies: CoreLatencies | undefined;
}

/**
 * A small continuous-batching scheduler that shows where each core hook goes: FCFS
 * waiting queue, chunked prefill under a token budget, preemption by recompute when
 * the KV cache is full, and one `requestFinished` on every way out.
 */
export class ReferenceScheduler {
  private readonly waiting: SimulatedRequest[] = [];
  private readonly running: SimulatedRequest[] = [];
  private stepCount = 0;

  constructor(
    private readonly tracer: CoreJourneyTracer,
    private readonly shape: SchedulerShape,
    /** Simulates a bug in the completion path for the requests it returns true for. */
    private readonly failsInCompletion: (request: SimulatedRequest) => boolean = () => false,
  ) {}

  get idle(): boolean {
    return this.waiting.length === 0 && this.running.length === 0;
  }

  get step(): number {
    return this.stepCount;
  }

  add(request: SimulatedRequest): void {
    this.waiting.push(request);
    this.tracer.requestAdded(request, this.stepCount); // hook: QUEUED
  }

  /** The API asked to stop this request (for example, the client went away). */
  abort(requestId: string): FinishedRequest | undefined {
    const request = this.remove(requestId);
    if (request === undefined) return undefined;
    const latencies = this.tracer.requestFinished(requestId, "aborted", this.stepCount); // hook: cleanup
    return { requestId, status: "aborted", outputTokens: request.outputTokens, latencies };
  }

  /** One scheduler iteration; returns the requests that finished in it. */
  runStep(): FinishedRequest[] {
    const startedAt = performance.now();
    this.stepCount++;
    this.admitWaiting();
    const batch = this.compute();
    const preemptions = this.preemptUntilItFits();
    // hook: llm_step, before the requests that ended in this step are cleaned up
    this.tracer.stepFinished(this.stepView(startedAt, batch, preemptions));
    return this.completeFinished();
  }

  /** Engine shutdown: every in-flight request ends as aborted. */
  shutdown(): void {
    this.waiting.length = 0;
    this.running.length = 0;
    this.tracer.shutdown(this.stepCount); // hook: cleanup of everything in flight
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.running.length < this.shape.maxRunning) {
      const next = this.waiting[0] as SimulatedRequest;
      // Admit only what fits whole (a resumed request recomputes its prompt and output);
      // an empty batch admits anyway, so an oversized request cannot stall the queue.
      const needed = next.promptTokens + next.outputTokens;
      const fits = this.kvTokensInUse() + needed <= this.shape.kvCapacityTokens;
      if (!fits && this.running.length > 0) break;
      this.waiting.shift();
      this.running.push(next);
      this.tracer.requestScheduled(next, this.stepCount); // hook: SCHEDULED FIRST/RESUME
    }
  }

  /** Computes the batch; returns what each request computed. */
  private compute(): CoreBatchEntry[] {
    const batch: CoreBatchEntry[] = [];
    let budget = this.shape.tokenBudget;
    for (const request of this.running) {
      if (budget <= 0) break;
      if (request.computedTokens < request.promptTokens) {
        const chunk = Math.min(request.promptTokens - request.computedTokens, budget);
        request.computedTokens += chunk;
        budget -= chunk;
        batch.push({ request, tokens: chunk, phase: "PREFILL" });
        // The step that completes the prompt also samples the first output token.
        if (request.computedTokens === request.promptTokens) request.outputTokens++;
      } else {
        request.outputTokens++;
        budget--;
        batch.push({ request, tokens: 1, phase: "DECODE" });
      }
      this.tracer.requestProgressed(request, this.stepCount); // hook: FIRST_TOKEN once
    }
    return batch;
  }

  /** Returns the number of requests evicted. */
  private preemptUntilItFits(): number {
    let evicted = 0;
    while (this.kvTokensInUse() > this.shape.kvCapacityTokens && this.running.length > 1) {
      const victim = this.running.pop() as SimulatedRequest; // the newest running request
      victim.computedTokens = 0; // recompute: its KV blocks are freed
      victim.preemptions++;
      this.waiting.unshift(victim);
      evicted++;
      this.tracer.requestPreempted(victim, this.stepCount); // hook: PREEMPTED
    }
    return evicted;
  }

  private stepView(startedAt: number, batch: CoreBatchEntry[], preemptions: number): CoreStepView {
    let prefillTokens = 0;
    let decodeSeqs = 0;
    for (const entry of batch) {
      if (entry.phase === "PREFILL") prefillTokens += entry.tokens;
      else decodeSeqs++;
    }
    return {
      step: this.stepCount,
      startedAt,
      running: this.running.length,
      waiting: this.waiting.length,
      prefillTokens,
      decodeSeqs,
      preemptions,
      // This cache counts tokens: a block of one token each.
      kvBlocksUsed: this.kvTokensInUse(),
      kvBlocksTotal: this.shape.kvCapacityTokens,
      batch,
    };
  }

  private completeFinished(): FinishedRequest[] {
    const finished: FinishedRequest[] = [];
    for (const request of [...this.running]) {
      let status: FinishStatus | undefined;
      try {
        if (this.failsInCompletion(request)) throw new Error("simulated completion failure");
        status = finishStatusOf(request);
      } catch {
        status = "error";
      } finally {
        if (status !== undefined) {
          this.remove(request.requestId);
          const latencies = this.tracer.requestFinished(request, status, this.stepCount); // hook
          finished.push({
            requestId: request.requestId,
            status,
            outputTokens: request.outputTokens,
            latencies, // travels with the final output, to the API span
          });
        }
      }
    }
    return finished;
  }

  private kvTokensInUse(): number {
    let tokens = 0;
    for (const request of this.running) tokens += request.computedTokens + request.outputTokens;
    return tokens;
  }

  private remove(requestId: string): SimulatedRequest | undefined {
    for (const queue of [this.running, this.waiting]) {
      const index = queue.findIndex((request) => request.requestId === requestId);
      if (index >= 0) return queue.splice(index, 1)[0];
    }
    return undefined;
  }
}

function finishStatusOf(request: SimulatedRequest): FinishStatus | undefined {
  if (request.stopAfter !== undefined && request.outputTokens >= request.stopAfter)
    return "stopped";
  if (request.outputTokens >= request.maxTokens) return "length";
  return undefined;
}

/** A fresh request with no progress. */
export function simulatedRequest(
  fields: Pick<SimulatedRequest, "requestId" | "promptTokens" | "maxTokens"> &
    Partial<Pick<SimulatedRequest, "traceHeaders" | "stopAfter">>,
): SimulatedRequest {
  return { ...fields, computedTokens: 0, outputTokens: 0, preemptions: 0 };
}
