import { randomUUID } from "node:crypto";
import {
  type CoreBatchEntry,
  type CoreJourneyTracer,
  type CoreStepView,
  createRateLimitedErrorHandler,
  type FinishStatus,
  NOOP_CORE_TRACER,
  type TracingErrorHandler,
} from "@llm-journey/tracer-core";
import type {
  LlamaCompletion,
  LlamaCompletionResponse,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
  Token,
} from "node-llama-cpp";
import { type BatchObserver, sequenceIdOf, tapBatches } from "./batch-tap.js";
import { LlamaEngineError } from "./engine-errors.js";
import { Generation, type LlamaGeneration } from "./generation.js";
import { type GenerationRequest, validateRequest, validateTokens } from "./generation-request.js";

export interface LlamaEngineOptions {
  /**
   * The context to schedule onto. The engine takes every sequence it has left (create it
   * with `sequences: N` for N requests at once) and gives them back on `close()`.
   */
  readonly context: LlamaContext;
  /** The core tracer (`createCoreTracer`). Default: none, and no tracing cost at all. */
  readonly tracer?: CoreJourneyTracer;
  /** Requests that may wait for a sequence; `submit` throws `queue_full` past it. Default: 1024. */
  readonly maxQueued?: number;
  /**
   * Receives, once, the news that node-llama-cpp's internals changed beneath the engine
   * (generation goes on without `llm_step` spans), and any failure of the batch tracing.
   * Default: a rate-limited `console.warn`.
   */
  readonly onError?: TracingErrorHandler;
}

/**
 * Whether llama.cpp's batches are observed: `on` (step spans and prefill progress per
 * batch), `off` (no tracer), `unavailable` (node-llama-cpp's internals are not as
 * expected: requests are still traced, their progress taken from the generated tokens).
 */
export type BatchTracing = "on" | "off" | "unavailable";

/** A FCFS engine over a context's sequences, traced by the core tracer. */
export interface LlamaEngine {
  /**
   * Queues a request and returns it at once; it runs when a sequence is free. Throws,
   * with nothing queued or traced, a `TypeError`/`RangeError` for bad input (naming the
   * field) and a `LlamaEngineError` when the queue is full, the id is in flight or the
   * engine is closed.
   */
  submit(request: GenerationRequest): LlamaGeneration;
  /**
   * Ends every waiting and running request as `aborted`, waits for their sequences to be
   * cleared, puts the context back as it was and disposes the sequences. The context
   * itself stays the caller's. Idempotent.
   */
  close(): Promise<void>;
  /** Sequences the engine schedules onto. */
  readonly sequences: number;
  /** Requests waiting for a sequence. */
  readonly queued: number;
  /** Requests holding a sequence. */
  readonly running: number;
  /** Per-request entries the engine holds (queue, sequence map, in-flight ids); 0 when idle. */
  readonly trackedEntries: number;
  readonly batchTracing: BatchTracing;
  /** llama.cpp batches decoded so far (counted while batches are observed): `scheduler.step`. */
  readonly step: number;
  readonly closed: boolean;
}

export const DEFAULT_MAX_QUEUED = 1024;

/**
 * Builds the engine; invalid options reject here. Asynchronous because node-llama-cpp is
 * loaded with `import()`: it is an ES module with top-level await, and this package
 * stays loadable with `require()`.
 */
export async function createLlamaEngine(options: LlamaEngineOptions): Promise<LlamaEngine> {
  const { LlamaCompletion } = await import("node-llama-cpp");
  return new TracedLlamaEngine(options, LlamaCompletion);
}

/** A sequence of the pool, with the completion object that generates on it. */
interface Slot {
  readonly sequence: LlamaContextSequence;
  readonly completion: LlamaCompletion;
  generation: Generation | undefined;
  /** The running request's whole life on this slot, its release included. */
  work: Promise<void> | undefined;
}

/**
 * A request's share of the batch being decoded, reused from batch to batch; its request
 * is let go once the batch has been reported.
 */
interface BatchEntry {
  request: Generation | undefined;
  tokens: number;
  phase: CoreBatchEntry["phase"];
}

/** The step being decoded, reused from batch to batch (`stepFinished` keeps nothing). */
interface StepRecord extends CoreStepView {
  step: number;
  startedAt: number;
  running: number;
  waiting: number;
  prefillTokens: number;
  decodeSeqs: number;
  readonly preemptions: 0;
  /** The entries of this batch: the first `batch.length` of `entries`. */
  readonly batch: CoreBatchEntry[];
  /** Every entry ever used, so that a batch allocates none. */
  readonly entries: BatchEntry[];
  open: boolean;
}

function stopReasonStatus(reason: LlamaCompletionResponse["metadata"]["stopReason"]): FinishStatus {
  if (reason === "maxTokens") return "length";
  if (reason === "abort") return "aborted";
  return "stopped";
}

class TracedLlamaEngine implements LlamaEngine {
  private readonly tracer: CoreJourneyTracer;
  private readonly onError: TracingErrorHandler;
  private readonly model: LlamaModel;
  private readonly contextSize: number;
  /** The longest prompt `LlamaCompletion` evaluates whole: it cuts longer ones. */
  private readonly maxPromptTokens: number;
  private readonly prependsBos: boolean;
  private readonly vocabularySize: number;
  private readonly maxQueued: number;
  private readonly slots: Slot[] = [];
  private readonly free: Slot[] = [];
  private readonly waitingQueue: Generation[] = [];
  private readonly inFlight = new Map<string, Generation>();
  private readonly bySequenceId = new Map<number, Generation>();
  private readonly sequenceIds = new Map<Slot, number>();
  private readonly stepRecord: StepRecord = {
    step: 0,
    startedAt: 0,
    running: 0,
    waiting: 0,
    prefillTokens: 0,
    decodeSeqs: 0,
    preemptions: 0,
    batch: [],
    entries: [],
    open: false,
  };
  private restoreBatches: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  batchTracing: BatchTracing = "off";
  step = 0;
  closed = false;

  constructor(options: LlamaEngineOptions, Completion: typeof LlamaCompletion) {
    const context = options?.context;
    if (typeof context?.getSequence !== "function") {
      throw new TypeError("context must be a node-llama-cpp LlamaContext");
    }
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (!Number.isSafeInteger(this.maxQueued) || this.maxQueued < 0) {
      throw new RangeError(`maxQueued must be an integer >= 0, got ${String(options.maxQueued)}`);
    }
    if (context.sequencesLeft < 1) {
      throw new RangeError("context has no sequence left: create it with sequences >= 1");
    }
    this.tracer = options.tracer ?? NOOP_CORE_TRACER;
    this.onError = options.onError ?? createRateLimitedErrorHandler();
    this.model = context.model;
    this.contextSize = context.contextSize;
    this.maxPromptTokens = this.contextSize - Math.max(1, Math.floor(this.contextSize / 10));
    this.prependsBos = this.bosToPrepend() !== null;
    this.vocabularySize = [...this.model.iterateAllTokens()].length;
    while (context.sequencesLeft > 0) {
      const sequence = context.getSequence();
      const slot: Slot = {
        sequence,
        completion: new Completion({ contextSequence: sequence }),
        generation: undefined,
        work: undefined,
      };
      this.slots.push(slot);
      this.free.push(slot);
    }
    if (this.tracer !== NOOP_CORE_TRACER) this.observeBatches(context);
  }

  get sequences(): number {
    return this.slots.length;
  }
  get queued(): number {
    return this.waitingQueue.length;
  }
  get running(): number {
    // Not the slots out of the pool: a finished request's sequence may still be clearing.
    let running = 0;
    for (const slot of this.slots) if (slot.generation !== undefined) running++;
    return running;
  }
  get trackedEntries(): number {
    return this.inFlight.size + this.waitingQueue.length + this.bySequenceId.size;
  }

  /** node-llama-cpp's own rule (`LlamaCompletion`) for starting a prompt with BOS. */
  private bosToPrepend(): Token | null {
    const type = this.model.vocabularyType;
    if (type === "rwkv" || type === "ugm") return null;
    if (type === "wpm" || this.model.tokens.shouldPrependBosToken) return this.model.tokens.bos;
    return null;
  }

  private observeBatches(context: LlamaContext): void {
    try {
      for (const slot of this.slots) this.sequenceIds.set(slot, sequenceIdOf(slot.sequence));
      const observer: BatchObserver = {
        batchStarted: () => this.batchStarted(),
        entryAdded: (sequenceId, tokens) => this.entryAdded(sequenceId, tokens),
        batchEnded: (decoded) => this.batchEnded(decoded),
      };
      this.restoreBatches = tapBatches(context, observer, (error) =>
        this.onError(error, "node-llama-cpp batch"),
      );
      this.batchTracing = "on";
    } catch (error) {
      this.sequenceIds.clear();
      this.batchTracing = "unavailable";
      this.onError(error, "createLlamaEngine");
    }
  }

  submit(request: GenerationRequest): LlamaGeneration {
    if (this.closed) throw new LlamaEngineError("closed", "the engine is closed");
    const stops = validateRequest(request);
    const { prompt } = request;
    let tokens: readonly Token[];
    if (typeof prompt === "string") {
      tokens = this.model.tokenize(
        prompt,
        false,
        this.prependsBos ? "trimLeadingSpace" : undefined,
      );
    } else if (Array.isArray(prompt)) {
      validateTokens(prompt, this.vocabularySize);
      tokens = prompt.slice();
    } else {
      throw new TypeError("prompt must be a string or an array of tokens");
    }
    const promptTokens = tokens.length + (this.prependsBos ? 1 : 0);
    if (promptTokens === 0) throw new RangeError("prompt is empty");
    if (promptTokens > this.maxPromptTokens) {
      throw new RangeError(
        `prompt has ${promptTokens} tokens; at most ${this.maxPromptTokens} fit the context of ${this.contextSize}`,
      );
    }
    if (this.waitingQueue.length >= this.maxQueued) {
      throw new LlamaEngineError("queue_full", `${this.maxQueued} requests are waiting already`);
    }
    const requestId = request.requestId ?? randomUUID();
    if (this.inFlight.has(requestId)) {
      throw new LlamaEngineError("duplicate_request_id", `request ${requestId} is in flight`);
    }
    const maxTokens = Math.min(
      request.maxTokens ?? Number.POSITIVE_INFINITY,
      this.contextSize - promptTokens,
    );
    const generation = new Generation(
      requestId,
      { tokens, stops, sampling: request.sampling },
      promptTokens,
      maxTokens,
      request.traceHeaders,
      (aborted) => this.abort(aborted),
    );
    this.inFlight.set(requestId, generation);
    this.waitingQueue.push(generation);
    this.tracer.requestAdded(generation, this.step);
    const signal = request.signal;
    if (signal?.aborted) {
      this.abort(generation);
      return generation;
    }
    if (signal) {
      const onAbort = () => this.abort(generation);
      signal.addEventListener("abort", onAbort, { once: true });
      generation.detachSignal = () => signal.removeEventListener("abort", onAbort);
    }
    this.schedule();
    return generation;
  }

  private abort(generation: Generation): void {
    if (generation.finished) return;
    const waiting = this.waitingQueue.indexOf(generation);
    if (waiting !== -1) this.finish(generation, "aborted", undefined, undefined);
    else generation.controller.abort();
  }

  /** FCFS: the oldest waiting request gets the next free sequence. */
  private schedule(): void {
    while (!this.closed && this.free.length > 0 && this.waitingQueue.length > 0) {
      const generation = this.waitingQueue.shift() as Generation;
      const slot = this.free.pop() as Slot;
      slot.generation = generation;
      const sequenceId = this.sequenceIds.get(slot);
      if (sequenceId !== undefined) this.bySequenceId.set(sequenceId, generation);
      this.tracer.requestScheduled(generation, this.step);
      slot.work = this.run(generation, slot);
    }
  }

  private async run(generation: Generation, slot: Slot): Promise<void> {
    let status: FinishStatus = "error";
    let stopReason: string | undefined;
    let failure: unknown;
    let lastTokens: readonly Token[] = [];
    const { tokens, stops, sampling } = generation.input;
    try {
      const { metadata } = await slot.completion.generateCompletionWithMeta(tokens as Token[], {
        ...sampling,
        maxTokens: generation.maxTokens,
        customStopTriggers: stops,
        signal: generation.controller.signal,
        stopOnAbortSignal: true,
        disableContextShift: true,
        onToken: (generated) => {
          lastTokens = generated;
          if (this.batchTracing !== "on") this.progressFromTokens(generation, generated.length);
        },
        onTextChunk: (text) => generation.push({ text, tokens: lastTokens }),
      });
      stopReason = metadata.stopReason;
      status = stopReasonStatus(metadata.stopReason);
    } catch (error) {
      if (generation.controller.signal.aborted) status = "aborted";
      else failure = error;
    } finally {
      this.finish(generation, status, stopReason, failure);
      await this.release(slot);
    }
  }

  /** Progress when batches are not observed: every token generated, as it arrives. */
  private progressFromTokens(generation: Generation, count: number): void {
    if (generation.finished) return;
    generation.computedTokens = generation.promptTokens;
    generation.outputTokens += count;
    this.tracer.requestProgressed(generation, this.step);
  }

  /**
   * The one cleanup of a request, on every way out: drops every entry kept for it, ends
   * its journey and settles its stream. Calling it again does nothing.
   */
  private finish(
    generation: Generation,
    status: FinishStatus,
    stopReason: string | undefined,
    error: unknown,
  ): void {
    if (generation.finished) return;
    const waiting = this.waitingQueue.indexOf(generation);
    if (waiting !== -1) this.waitingQueue.splice(waiting, 1);
    this.inFlight.delete(generation.requestId);
    for (const [sequenceId, held] of this.bySequenceId) {
      if (held === generation) this.bySequenceId.delete(sequenceId);
    }
    generation.detachSignal?.();
    generation.detachSignal = undefined;
    const latencies = this.tracer.requestFinished(generation, status, this.step);
    generation.settle({
      requestId: generation.requestId,
      status,
      stopReason,
      text: generation.text,
      promptTokens: generation.promptTokens,
      outputTokens: generation.outputTokens,
      latencies,
      error,
    });
  }

  /** Clears the sequence and gives it back to the pool, whatever happened on it. */
  private async release(slot: Slot): Promise<void> {
    slot.generation = undefined;
    try {
      await slot.sequence.clearHistory();
    } catch {
      // A sequence that cannot be cleared fails its next request, which then ends as
      // `error`; keeping it out of the pool would leave queued requests waiting forever.
    }
    slot.work = undefined;
    this.free.push(slot);
    this.schedule();
  }

  private batchStarted(): void {
    const record = this.stepRecord;
    record.step = ++this.step;
    record.startedAt = performance.now();
    record.prefillTokens = 0;
    record.decodeSeqs = 0;
    this.clearBatch(); // a batch llama.cpp never decoded leaves its entries behind
    record.open = true;
  }

  private entryAdded(sequenceId: number, tokens: number): void {
    const record = this.stepRecord;
    if (!record.open) return;
    const generation = this.bySequenceId.get(sequenceId);
    const prefill = generation !== undefined && generation.computedTokens < generation.promptTokens;
    if (prefill || (generation === undefined && tokens > 1)) record.prefillTokens += tokens;
    else record.decodeSeqs++;
    if (generation !== undefined) {
      let entry = record.entries[record.batch.length];
      if (entry === undefined) {
        entry = { request: undefined, tokens: 0, phase: "DECODE" };
        record.entries.push(entry);
      }
      entry.request = generation;
      entry.tokens = tokens;
      entry.phase = prefill ? "PREFILL" : "DECODE";
      record.batch.push(entry as CoreBatchEntry); // its request was just set
    }
  }

  /**
   * A decoded batch computed the prompt tokens it held, and a next token for every
   * sequence whose prompt is now complete: the progress hooks run, then its step span.
   */
  private batchEnded(decoded: boolean): void {
    const record = this.stepRecord;
    if (!record.open) return;
    record.open = false;
    if (decoded) {
      for (const entry of record.batch) {
        const generation = entry.request as Generation;
        if (generation.finished) continue;
        if (entry.phase === "PREFILL") {
          generation.computedTokens = Math.min(
            generation.promptTokens,
            generation.computedTokens + entry.tokens,
          );
          if (generation.computedTokens === generation.promptTokens) generation.outputTokens++;
        } else {
          generation.outputTokens++;
        }
        this.tracer.requestProgressed(generation, record.step);
      }
    }
    record.running = this.bySequenceId.size;
    record.waiting = this.waitingQueue.length;
    this.tracer.stepFinished(record);
    this.clearBatch();
  }

  /** Empties the batch and lets its requests go, keeping the entries for the next one. */
  private clearBatch(): void {
    const record = this.stepRecord;
    for (let i = 0; i < record.batch.length; i++) {
      (record.entries[i] as BatchEntry).request = undefined;
    }
    record.batch.length = 0;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    for (const generation of [...this.waitingQueue]) {
      this.finish(generation, "aborted", undefined, undefined);
    }
    for (const slot of this.slots) slot.generation?.controller.abort();
    await Promise.all(this.slots.map((slot) => slot.work));
    this.restoreBatches?.();
    this.restoreBatches = undefined;
    for (const slot of this.slots) {
      slot.completion.dispose();
      slot.sequence.dispose();
    }
  }
}
