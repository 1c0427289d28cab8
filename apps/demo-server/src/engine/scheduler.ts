import type {
  CoreBatchEntry,
  CoreJourneyTracer,
  CoreStepView,
  FinishStatus,
} from "@llm-journey/tracer-core";
import type { FinishedEvent } from "./engine-contract.js";
import {
  type EngineOptions,
  type EngineOptionsInput,
  resolveEngineOptions,
} from "./engine-options.js";
import { EngineRequest, type EngineRequestInput } from "./engine-request.js";
import { KvBlockPool } from "./kv-block-pool.js";
import { createSeededRandom } from "./seeded-random.js";
import type { StepWork } from "./step-time-model.js";
import { simulateText } from "./text-generator.js";

/**
 * The engine's options (defaults as in `EngineOptions`; the scheduler reads its shape:
 * sequences, batched tokens, KV blocks, injected errors and their seed) and the core
 * tracer to call.
 */
export interface SchedulerOptions extends EngineOptionsInput {
  readonly tracer: CoreJourneyTracer;
}

/** How a request ended: its `finished` event, without the counts its output carries. */
export type RequestFinish = Pick<FinishedEvent, "status" | "error" | "latencies">;

/** What one request produced: new text, its counts, and on its last output how it ended. */
export interface RequestOutput {
  readonly requestId: string;
  /** Text generated since this request's previous output; may be empty. */
  readonly text: string;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Set on the request's last output, and only there. */
  readonly finish?: RequestFinish;
}

/** Tokens one request computed in a step. */
export interface ScheduledChunk {
  readonly requestId: string;
  readonly tokens: number;
  /** `prefill` covers prompt chunks and recompute after a preemption. */
  readonly kind: "prefill" | "decode";
}

/** The batch a step sends to the model: what the step-time model charges for. */
export interface ScheduledStep extends StepWork {
  /** The iteration counter (`scheduler.step` on the events). */
  readonly step: number;
  readonly scheduled: readonly ScheduledChunk[];
  /** Requests evicted while scheduling, in eviction order. */
  readonly preempted: readonly string[];
}

/** Everything one scheduler iteration did. */
export interface StepResult extends ScheduledStep {
  readonly outputs: RequestOutput[];
}

/** Live sizes of the scheduler's queues and cache. */
export interface SchedulerStats {
  readonly running: number;
  readonly waiting: number;
  readonly kvBlocksUsed: number;
  readonly kvBlocksTotal: number;
}

interface BatchEntry extends CoreBatchEntry {
  readonly request: EngineRequest;
}

/**
 * A step while it is scheduled and computed: the `ScheduledStep` the model is charged
 * for, and the view of the step that the core tracer's `stepFinished` reads.
 */
class StepPlan implements ScheduledStep, CoreStepView {
  readonly scheduled: ScheduledChunk[] = [];
  readonly preempted: string[] = [];
  /** What each request computes, in scheduling order. */
  entries: BatchEntry[] = [];
  prefillTokens = 0;
  decodeSeqs = 0;
  running = 0;
  waiting = 0;
  kvBlocksUsed = 0;
  kvBlocksTotal = 0;

  constructor(
    readonly step: number,
    readonly startedAt: number,
    /** The scheduler's requests in flight. */
    private readonly inFlight: ReadonlyMap<string, EngineRequest>,
  ) {}

  get preemptions(): number {
    return this.preempted.length;
  }

  /** Read only for a step kept as a span: a request aborted during the step is not in it. */
  get batch(): Iterable<CoreBatchEntry> {
    return this.entries.filter(
      (entry) => this.inFlight.get(entry.request.requestId) === entry.request,
    );
  }
}

/**
 * A continuous-batching scheduler over a simulated model: FCFS waiting queue, at most
 * `maxNumSeqs` running, a per-step token budget shared by decode tokens and chunked
 * prefill, a paged KV cache, and preemption by recompute of the newest running request
 * when a running request needs a block and none is free. It calls the core journey hooks
 * where `reference-scheduler.ts` in tracer-core places them, and ends every request
 * through one cleanup function, `finish`.
 */
export class ContinuousBatchingScheduler {
  private readonly tracer: CoreJourneyTracer;
  private readonly shape: EngineOptions;
  private readonly kv: KvBlockPool;
  private readonly random: () => number;
  /** FCFS; preempted requests go back to the front. */
  private readonly waiting: EngineRequest[] = [];
  /** In admission order: the last one is the newest, the first to be preempted. */
  private readonly running: EngineRequest[] = [];
  /** Every request in flight, waiting or running. */
  private readonly requests = new Map<string, EngineRequest>();
  private stepCount = 0;
  private closed = false;
  /** The step being computed, between `scheduleStep` and `completeStep`. */
  private inProgress: { plan: StepPlan; outputs: RequestOutput[] } | undefined;

  constructor(options: SchedulerOptions) {
    const resolved = resolveEngineOptions(options);
    this.tracer = options.tracer;
    this.shape = resolved;
    this.kv = new KvBlockPool(resolved.numKvBlocks, resolved.blockSize);
    this.random = createSeededRandom(resolved.seed);
  }

  /** The scheduler iteration counter. */
  get step(): number {
    return this.stepCount;
  }

  /** The KV cache's size in tokens: the longest prompt that can ever run. */
  get capacityTokens(): number {
    return this.kv.capacityTokens;
  }

  /** True when no request is in flight. */
  get idle(): boolean {
    return this.requests.size === 0;
  }

  stats(): SchedulerStats {
    return {
      running: this.running.length,
      waiting: this.waiting.length,
      kvBlocksUsed: this.kv.usedBlocks,
      kvBlocksTotal: this.kv.numBlocks,
    };
  }

  /** Running request ids, oldest admission first. */
  runningRequestIds(): string[] {
    return this.running.map((request) => request.requestId);
  }

  /** Waiting request ids, queue head first. */
  waitingRequestIds(): string[] {
    return this.waiting.map((request) => request.requestId);
  }

  /**
   * Queues a request. Returns its final output when it ends at once: `ignored` when its
   * prompt can never fit the KV cache, `aborted` after shutdown. Throws for an invalid
   * request (a caller bug), before anything is traced.
   */
  add(input: EngineRequestInput): RequestOutput | undefined {
    assertValidInput(input);
    if (this.requests.has(input.requestId)) {
      throw new Error(`request ${input.requestId} is already in the engine`);
    }
    const text = simulateText(input.prompt);
    // Two draws per request whatever the rate, so the failing set depends on the seed
    // and the arrival order only.
    const fails = this.random() < this.shape.injectEngineErrorRate;
    const at = Math.floor(this.random() * Math.min(input.maxTokens, text.naturalLength));
    const request = new EngineRequest(input, text, fails ? at : undefined);
    this.requests.set(request.requestId, request);
    this.waiting.push(request);
    this.tracer.requestAdded(request, this.stepCount); // hook: QUEUED
    if (this.closed) return this.finish(request, "aborted");
    if (request.promptTokens > this.kv.capacityTokens) {
      return this.finish(
        request,
        "ignored",
        `the prompt (at least ${request.promptTokens} tokens) can never fit the KV cache (${this.kv.capacityTokens} tokens)`,
      );
    }
    return undefined;
  }

  /** Ends a waiting or running request as `aborted`; `undefined` when it is not in flight. */
  abort(requestId: string): RequestOutput | undefined {
    const request = this.requests.get(requestId);
    return request === undefined ? undefined : this.finish(request, "aborted");
  }

  /** One whole scheduler iteration: `scheduleStep` then `completeStep`. */
  runStep(): StepResult {
    this.scheduleStep();
    return this.completeStep();
  }

  /**
   * First half of an iteration: admits and preempts, and picks the tokens each request
   * computes under the budget. The model "computes" them until `completeStep`; a request
   * aborted meanwhile is skipped then.
   */
  scheduleStep(): ScheduledStep {
    if (this.inProgress !== undefined) throw new Error("the previous step was not completed");
    this.stepCount++;
    // The clock is read only when a step span may be recorded.
    const startedAt = this.tracer.enabled ? performance.now() : 0;
    const plan = new StepPlan(this.stepCount, startedAt, this.requests);
    this.inProgress = { plan, outputs: [] };
    try {
      plan.entries = this.schedule(plan);
      Object.assign(plan, this.stats());
    } catch (error) {
      this.inProgress.outputs.push(...this.failAll(error));
    }
    return plan;
  }

  /** Second half of an iteration: the batch's tokens are computed; sample and finish. */
  completeStep(): StepResult {
    const inProgress = this.inProgress;
    if (inProgress === undefined) throw new Error("no step was scheduled");
    this.inProgress = undefined;
    const { plan, outputs } = inProgress;
    try {
      this.compute(plan, outputs);
    } catch (error) {
      outputs.push(...this.failAll(error));
    }
    const { step, scheduled, preempted, prefillTokens, decodeSeqs } = plan;
    return { step, scheduled, preempted, prefillTokens, decodeSeqs, outputs };
  }

  /** Engine shutdown: every request in flight ends as `aborted`; later adds are aborted too. */
  shutdown(): RequestOutput[] {
    this.closed = true;
    this.inProgress = undefined;
    const outputs = [...this.requests.values()].map((request) => this.finish(request, "aborted"));
    this.tracer.shutdown(this.stepCount); // hook: ends anything still open as aborted
    return outputs;
  }

  private schedule(result: StepPlan): BatchEntry[] {
    let budget = this.shape.maxNumBatchedTokens;
    const batch: BatchEntry[] = [];
    const take = (request: EngineRequest, tokens: number) => {
      const kind = request.decoding ? "decode" : "prefill";
      if (kind === "decode") result.decodeSeqs++;
      else result.prefillTokens += tokens;
      result.scheduled.push({ requestId: request.requestId, tokens, kind });
      batch.push({ request, tokens, phase: kind === "decode" ? "DECODE" : "PREFILL" });
      budget -= tokens;
    };
    // Running requests first, oldest first: decode tokens and unfinished prefill chunks.
    // The loop bound is re-read because preemption shrinks `running` from the end.
    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const request = this.running[i] as EngineRequest;
      const tokens = Math.min(request.totalTokens - request.numComputedTokens, budget);
      if (!this.reserveOrPreempt(request, tokens, result)) break;
      take(request, tokens);
    }
    // A step that had to preempt has no room to spare for newcomers.
    if (result.preempted.length > 0) return batch;
    while (budget > 0 && this.running.length < this.shape.maxNumSeqs) {
      const next = this.waiting[0];
      // FCFS: the head waits until its whole sequence fits (a resumed request recomputes
      // its prompt and its output so far); nothing behind it overtakes it.
      if (next === undefined || this.kv.blocksFor(next.totalTokens) > this.kv.freeBlocks) break;
      this.waiting.shift();
      this.running.push(next);
      this.tracer.requestScheduled(next, this.stepCount); // hook: SCHEDULED FIRST/RESUME
      const tokens = Math.min(next.totalTokens, budget);
      this.kv.tryReserve(next, tokens);
      take(next, tokens);
    }
    return batch;
  }

  /**
   * Reserves the blocks `request` needs for `tokens` more tokens, preempting the newest
   * running requests until they fit. False when `request` itself had to go.
   */
  private reserveOrPreempt(request: EngineRequest, tokens: number, result: StepPlan): boolean {
    while (!this.kv.tryReserve(request, request.numComputedTokens + tokens)) {
      const victim = this.running.pop() as EngineRequest;
      this.kv.release(victim);
      victim.numComputedTokens = 0; // recompute: its KV is gone
      victim.preemptions++;
      this.waiting.unshift(victim);
      result.preempted.push(victim.requestId);
      this.tracer.requestPreempted(victim, this.stepCount); // hook: PREEMPTED
      if (victim === request) return false;
    }
    return true;
  }

  private compute(plan: StepPlan, outputs: RequestOutput[]): void {
    // Requests that end in this step, finished once the step span has linked them.
    let ended: Array<{ request: EngineRequest; status: FinishStatus; error?: string }> | undefined;
    try {
      for (const { request, tokens } of plan.entries) {
        // Aborted while the step was computing: its tokens are thrown away.
        if (this.requests.get(request.requestId) !== request) continue;
        const outputBefore = request.outputTokens;
        let status: FinishStatus | undefined;
        let error: string | undefined;
        try {
          request.numComputedTokens += tokens;
          // The step that computes the whole sequence samples the next token.
          const stopped =
            request.numComputedTokens === request.totalTokens && request.sampleToken();
          this.tracer.requestProgressed(request, this.stepCount); // hook: FIRST_TOKEN once
          status = this.finishStatusOf(request, stopped);
        } catch (caught) {
          status = "error";
          error = messageOf(caught);
        }
        if (status !== undefined) {
          ended ??= [];
          ended.push(error === undefined ? { request, status } : { request, status, error });
        } else if (request.outputTokens > outputBefore) {
          outputs.push(outputOf(request, request.takeText(false)));
        }
      }
      this.tracer.stepFinished(plan); // hook: llm_step, before the step's requests end
    } finally {
      // Whatever happened above, every request that ended leaves through the cleanup.
      for (const { request, status, error } of ended ?? []) {
        outputs.push(this.finish(request, status, error));
      }
    }
  }

  /**
   * A failure outside one request's completion path leaves no request trustworthy: all
   * of them end as errors instead of hanging.
   */
  private failAll(error: unknown): RequestOutput[] {
    const message = messageOf(error);
    return [...this.requests.values()].map((request) => this.finish(request, "error", message));
  }

  private finishStatusOf(request: EngineRequest, stopped: boolean): FinishStatus | undefined {
    if (stopped || request.outputTokens >= request.naturalLength) return "stopped";
    if (request.outputTokens >= request.maxTokens) return "length";
    // The next decode would need more slots than the whole cache: the context is full,
    // as a real engine ends a sequence at its maximum model length.
    if (request.totalTokens > this.kv.capacityTokens) return "length";
    return undefined;
  }

  /**
   * The one cleanup function of the scheduler: drops the request from every queue and
   * map, frees its blocks and ends its journey. Safe to call for a request already gone.
   */
  private finish(request: EngineRequest, status: FinishStatus, error?: string): RequestOutput {
    this.requests.delete(request.requestId);
    removeFrom(this.running, request);
    removeFrom(this.waiting, request);
    this.kv.release(request);
    // hook: cleanup; the core's latencies travel with the last output to the API span.
    const latencies = this.tracer.requestFinished(request, status, this.stepCount);
    const completed = status === "stopped" || status === "length";
    const text = completed ? request.takeText(true) : "";
    const finish: RequestFinish = error === undefined ? { status } : { status, error };
    return {
      ...outputOf(request, text),
      finish: latencies === undefined ? finish : { ...finish, latencies },
    };
  }
}

function outputOf(request: EngineRequest, text: string): RequestOutput {
  return {
    requestId: request.requestId,
    text,
    promptTokens: request.promptTokens,
    outputTokens: request.outputTokens,
  };
}

function removeFrom(queue: EngineRequest[], request: EngineRequest): void {
  const index = queue.indexOf(request);
  if (index >= 0) queue.splice(index, 1);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function assertValidInput(input: EngineRequestInput): void {
  if (typeof input.requestId !== "string" || input.requestId.length === 0) {
    throw new TypeError("requestId must be a non-empty string");
  }
  if (typeof input.prompt !== "string") throw new TypeError("prompt must be a string");
  for (const [name, value] of [
    ["promptTokens", input.promptTokens],
    ["maxTokens", input.maxTokens],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
    }
  }
}
