import type { CoreJourneyTracer, TracingErrorHandler } from "@llm-journey/tracer-core";
import type { TracerProvider } from "@opentelemetry/api";
import type { EngineCounts } from "./engine-contract.js";
import type { EngineOptions } from "./engine-options.js";
import type { AddMessage } from "./engine-protocol.js";
import { EngineTracing } from "./engine-tracing.js";
import { countPromptTokens } from "./prompt-tokens.js";
import { ContinuousBatchingScheduler, type RequestOutput } from "./scheduler.js";
import { stepDurationMs } from "./step-time-model.js";
import { WorkerHost, type WorkerHostOptions } from "./worker-host.js";

export interface EngineHostOptions extends WorkerHostOptions {
  /**
   * Replaces the engine's own provider (span forwarding and OTLP), to test with a failing
   * tracer. Spans it receives are not forwarded to the HTTP thread.
   */
  readonly tracerProvider?: TracerProvider;
  /**
   * Builds the second journey stream around the core tracer; `EngineHost.create` loads it
   * from `options.tracing.journeyStream`.
   */
  readonly journeyStream?: (core: CoreJourneyTracer, onError: TracingErrorHandler) => JourneyStream;
}

/**
 * A second journey stream fed by the scheduler's hooks, whose records leave the engine
 * with each step's outputs: a tracing mode's plug-in.
 */
export interface JourneyStream {
  /** The hooks the scheduler calls instead of the core tracer's (they may feed both). */
  readonly tracer: CoreJourneyTracer;
  /** Takes the records produced since the last call; undefined when there are none. */
  drain(): unknown;
  /** Requests the stream holds an entry for; 0 when the engine is idle. */
  readonly trackedEntries: number;
  /** Records not yet drained; 0 after every step. */
  readonly pendingRecords: number;
}

/** What a `journeyStream` module exports: builds its stream around the core tracer. */
export interface JourneyStreamModule {
  createJourneyStream(
    core: CoreJourneyTracer,
    context: { options: unknown; sampleRate: number; onError: TracingErrorHandler },
  ): JourneyStream;
}

/**
 * The engine side of the worker: its own tracer provider and core tracer, the scheduler,
 * and the loop that runs a step, waits the simulated step time, and posts the results.
 * It knows nothing of threads: `engine-worker.ts` connects it to the parent port.
 */
export class EngineHost extends WorkerHost {
  private readonly options: EngineOptions;
  private readonly stream: JourneyStream | undefined;
  private readonly scheduler: ContinuousBatchingScheduler;
  /** Cancels the step being "computed"; set while a step is in progress. */
  private cancelStep: (() => void) | undefined;
  /** Requests whose prompt is being counted, by id, with the function that cancels it. */
  private readonly counting = new Map<string, () => void>();

  constructor(host: EngineHostOptions) {
    super(
      host.post,
      new EngineTracing(
        host.options.tracing,
        (spans) => host.post({ type: "spans", spans }),
        host.tracerProvider,
      ),
      host.statsIntervalMs,
    );
    this.options = host.options;
    const { core, onError } = this.tracing;
    this.stream = host.journeyStream?.(core, onError);
    // The hooks the scheduler calls: the core tracer's, or the second stream's (which may feed both).
    this.scheduler = new ContinuousBatchingScheduler({
      ...this.options,
      tracer: this.stream?.tracer ?? core,
    });
  }

  /**
   * An engine host that first loads its journey stream's module, if its options name one
   * (resolved from the engine's folder); otherwise the same as the constructor.
   */
  static async create(host: EngineHostOptions): Promise<EngineHost> {
    const { tracing } = host.options;
    const plugin = tracing.journeyStream;
    if (plugin === undefined || host.journeyStream !== undefined) return new EngineHost(host);
    const url = new URL(plugin.module, import.meta.url).href;
    const { createJourneyStream } = (await import(url)) as JourneyStreamModule;
    const context = { options: plugin.options, sampleRate: tracing.sampleRate };
    return new EngineHost({
      ...host,
      journeyStream: (core, onError) => createJourneyStream(core, { ...context, onError }),
    });
  }

  protected abort(requestId: string): void {
    if (!this.stopCounting(requestId)) this.postOutputs([this.scheduler.abort(requestId)]);
  }

  /** Live counts of the scheduler, the prompts being counted and the second stream. */
  protected engineCounts(): Partial<EngineCounts> {
    const { running, waiting, kvBlocksUsed } = this.scheduler.stats();
    return {
      streamEntries: this.stream?.trackedEntries ?? 0,
      streamRecords: this.stream?.pendingRecords ?? 0,
      counting: this.counting.size,
      running,
      waiting,
      kvBlocksUsed,
    };
  }

  /**
   * Counts the prompt's tokens, in slices that let every other message and step through,
   * then queues the request. A prompt that can never fit the KV cache is not counted to
   * its end: the scheduler then ignores it with the lower bound reached.
   */
  protected add(message: AddMessage): void {
    const { requestId } = message;
    if (this.stopping) {
      this.postAborted(requestId);
      return;
    }
    if (this.counting.has(requestId)) {
      this.postError(requestId, 0, `request ${requestId} is already in the engine`);
      return;
    }
    let counted = false;
    const cancel = countPromptTokens(
      message.prompt,
      { limit: this.scheduler.capacityTokens },
      (tokens) => {
        counted = true;
        this.counting.delete(requestId);
        this.queue(message, tokens);
      },
    );
    if (!counted) this.counting.set(requestId, cancel);
  }

  private queue(message: AddMessage, tokens: number): void {
    const { requestId } = message;
    // An empty prompt still costs one token, as the start token a real model prepends.
    const promptTokens = Math.max(1, tokens);
    try {
      this.postOutputs([
        this.scheduler.add({
          requestId,
          prompt: message.prompt,
          promptTokens,
          maxTokens: message.maxTokens,
          stop: message.stop,
          traceHeaders: message.traceHeaders,
        }),
      ]);
    } catch (error) {
      this.postStreamRecords();
      this.postError(
        requestId,
        promptTokens,
        error instanceof Error ? error.message : String(error),
      );
    }
    this.startStep();
  }

  /** Ends a request whose prompt is still being counted as aborted; false if there is none. */
  private stopCounting(requestId: string): boolean {
    const cancel = this.counting.get(requestId);
    if (cancel === undefined) return false;
    this.counting.delete(requestId);
    cancel();
    this.postAborted(requestId);
    return true;
  }

  private postAborted(requestId: string): void {
    this.post({ type: "finished", requestId, status: "aborted", promptTokens: 0, outputTokens: 0 });
  }

  private postError(requestId: string, promptTokens: number, error: string): void {
    this.post({
      type: "finished",
      requestId,
      status: "error",
      promptTokens,
      outputTokens: 0,
      error,
    });
  }

  /** Starts the next step unless one is in progress or there is no work. */
  private startStep(): void {
    if (this.cancelStep !== undefined || this.stopping || this.scheduler.idle) return;
    const plan = this.scheduler.scheduleStep();
    const complete = () => {
      this.cancelStep = undefined;
      this.completeStep();
    };
    const delay = stepDurationMs(this.options.stepTime, plan);
    // Even with no simulated time, yield to the message queue between steps so aborts,
    // new requests and stats requests are handled while the engine is busy.
    if (delay > 0) {
      const timer = setTimeout(complete, delay);
      this.cancelStep = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(complete);
      this.cancelStep = () => clearImmediate(immediate);
    }
  }

  private completeStep(): void {
    this.postOutputs(this.scheduler.completeStep().outputs);
    this.tracing.flush();
    this.startStep();
  }

  private postOutputs(outputs: ReadonlyArray<RequestOutput | undefined>): void {
    // Records first: the HTTP thread collects a request's records before its end.
    this.postStreamRecords();
    for (const output of outputs) {
      if (output === undefined) continue;
      const { requestId, promptTokens, outputTokens, finish } = output;
      if (output.text.length > 0) {
        this.post({ type: "tokens", requestId, text: output.text, outputTokens, promptTokens });
      }
      if (finish !== undefined) {
        this.post({ type: "finished", requestId, promptTokens, outputTokens, ...finish });
      }
    }
  }

  private postStreamRecords(): void {
    if (this.stream === undefined) return;
    const records = this.stream.drain();
    if (records !== undefined) this.post({ type: "journey-records", records });
  }

  /** Aborts every request: their `llm_core` spans end with `finish.status = aborted`. */
  protected async stop(): Promise<void> {
    this.cancelStep?.();
    this.cancelStep = undefined;
    for (const requestId of [...this.counting.keys()]) this.stopCounting(requestId);
    this.postOutputs(this.scheduler.shutdown());
  }
}
