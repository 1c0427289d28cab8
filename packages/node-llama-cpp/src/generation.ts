import type { HeaderMap } from "@llm-journey/context-propagation";
import type { CoreLatencies, CoreRequestView, FinishStatus } from "@llm-journey/tracer-core";
import type { Token } from "node-llama-cpp";
import type { SamplingOptions } from "./generation-request.js";

/** Text as the model produced it, with the tokens it came from. */
export interface GeneratedChunk {
  readonly text: string;
  readonly tokens: readonly Token[];
}

/** How a generation ended. */
export interface GenerationResult {
  readonly requestId: string;
  /**
   * `stopped` (an end-of-generation token or a stop string), `length` (`maxTokens` or
   * the context's end), `aborted` (its signal, `abort()`, a consumer that stopped
   * iterating, or the engine's `close()`), `error` (see `error`).
   */
  readonly status: FinishStatus;
  /** node-llama-cpp's reason (`eogToken`, `customStopTrigger`, `maxTokens`, `abort`…), when it gave one. */
  readonly stopReason?: string | undefined;
  /** Everything generated, stop string excluded. */
  readonly text: string;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** What the core tracer measured, for a traced request. */
  readonly latencies?: CoreLatencies | undefined;
  readonly error?: unknown;
}

/**
 * One submitted request. Iterate it for its chunks as they come; `done` resolves (never
 * rejects) once it has ended. Leaving the iteration early (`break`) aborts it.
 */
export interface LlamaGeneration extends AsyncIterable<GeneratedChunk> {
  readonly requestId: string;
  /** Tokens of the prompt as evaluated (a prepended BOS included). */
  readonly promptTokens: number;
  readonly done: Promise<GenerationResult>;
  /** Ends the request as `aborted` (waiting: at once; running: at its next token). */
  abort(): void;
}

/** What the engine hands to node-llama-cpp for a request. */
export interface GenerationInput {
  /** The prompt, without the BOS that node-llama-cpp prepends. */
  readonly tokens: readonly Token[];
  readonly stops: readonly string[];
  readonly sampling: SamplingOptions | undefined;
}

/**
 * A request inside the engine: the view the core tracer reads, the stream its consumer
 * reads, and the controller that stops its generation. Only the engine writes it.
 */
export class Generation implements CoreRequestView, LlamaGeneration {
  computedTokens = 0;
  outputTokens = 0;
  readonly preemptions = 0;
  readonly controller = new AbortController();
  readonly done: Promise<GenerationResult>;
  finished = false;
  /** Everything pushed so far: the result's text whatever the way out. */
  text = "";
  /** Removes the listener on the request's own signal; set while one is attached. */
  detachSignal: (() => void) | undefined;
  private resolveDone!: (result: GenerationResult) => void;
  private readonly chunks: GeneratedChunk[] = [];
  private waiter: (() => void) | undefined;
  private iterated = false;
  private discarding = false;
  private failure: unknown;

  constructor(
    readonly requestId: string,
    readonly input: GenerationInput,
    readonly promptTokens: number,
    readonly maxTokens: number,
    readonly traceHeaders: HeaderMap | undefined,
    private readonly onAbort: (generation: Generation) => void,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  abort(): void {
    if (!this.finished) this.onAbort(this);
  }

  push(chunk: GeneratedChunk): void {
    if (this.finished) return;
    this.text += chunk.text;
    if (this.discarding) return;
    this.chunks.push(chunk);
    this.wake();
  }

  /** Ends the stream and settles `done`; the engine calls it once, from its cleanup. */
  settle(result: GenerationResult): void {
    this.finished = true;
    if (result.status === "error") this.failure = result.error ?? new Error("generation failed");
    this.resolveDone(result);
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<GeneratedChunk> {
    if (this.iterated) throw new TypeError(`generation ${this.requestId} is already being read`);
    this.iterated = true;
    return {
      next: async () => {
        while (true) {
          const chunk = this.chunks.shift();
          if (chunk !== undefined) return { value: chunk, done: false };
          if (this.finished) {
            if (this.failure !== undefined) throw this.failure;
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => {
            this.waiter = resolve;
          });
        }
      },
      return: async () => {
        this.discarding = true;
        this.chunks.length = 0;
        this.abort();
        return { value: undefined, done: true };
      },
    };
  }
}
