import type { CoreRequestView } from "@llm-journey/tracer-core";
import type { KvBlockHolder } from "./kv-block-pool.js";
import { findStopString, stopHoldback } from "./stop-strings.js";
import type { SimulatedText } from "./text-generator.js";

/** A request as the engine receives it; the prompt is already tokenized. */
export interface EngineRequestInput {
  readonly requestId: string;
  /** The prompt text; it seeds the simulated output. */
  readonly prompt: string;
  /**
   * Tokens in the prompt, at least 1. Past the KV cache's size it may be a lower bound:
   * the engine stops counting a prompt that can never fit.
   */
  readonly promptTokens: number;
  /** Output limit, at least 1. */
  readonly maxTokens: number;
  /** Stop strings; the output ends before the first one generated. Empty strings are ignored. */
  readonly stop?: readonly string[] | undefined;
  /** Trace context and the sampling decision from the API layer. */
  readonly traceHeaders?: Readonly<Record<string, string>> | undefined;
}

/** The message of the error thrown inside the completion path of a failing request. */
export const INJECTED_ERROR_MESSAGE = "simulated engine failure in the completion path";

/**
 * One request inside the scheduler. It is its own `CoreRequestView`, so the core hooks
 * always read its current state.
 */
export class EngineRequest implements CoreRequestView, KvBlockHolder {
  readonly requestId: string;
  readonly traceHeaders: Readonly<Record<string, string>> | undefined;
  readonly promptTokens: number;
  readonly maxTokens: number;
  /** Tokens whose KV is in the cache: prompt, then output when resuming by recompute. */
  numComputedTokens = 0;
  outputTokens = 0;
  preemptions = 0;
  kvBlocks = 0;
  private readonly stop: readonly string[];
  private readonly holdback: number;
  private text = "";
  private emitted = 0;

  constructor(
    input: EngineRequestInput,
    private readonly output: SimulatedText,
    /** Output index at which the completion path throws; none when undefined. */
    private readonly failAtToken: number | undefined,
  ) {
    this.requestId = input.requestId;
    this.traceHeaders = input.traceHeaders;
    this.promptTokens = input.promptTokens;
    this.maxTokens = input.maxTokens;
    this.stop = (input.stop ?? []).filter((stop) => stop.length > 0);
    this.holdback = stopHoldback(this.stop);
  }

  /** Prompt tokens computed (the core view's field). */
  get computedTokens(): number {
    return Math.min(this.numComputedTokens, this.promptTokens);
  }

  /** Prompt plus output: what a step must have computed before it samples the next token. */
  get totalTokens(): number {
    return this.promptTokens + this.outputTokens;
  }

  /** The simulated end-of-sequence position. */
  get naturalLength(): number {
    return this.output.naturalLength;
  }

  /** True when the next computed chunk is a single decode token, not (re)prefill. */
  get decoding(): boolean {
    return this.outputTokens > 0 && this.totalTokens - this.numComputedTokens === 1;
  }

  /**
   * Samples the next output token (the completion path). Returns true when the text now
   * contains a stop string; the text is then cut before it.
   */
  sampleToken(): boolean {
    if (this.failAtToken === this.outputTokens) throw new Error(INJECTED_ERROR_MESSAGE);
    const checkedUpTo = this.text.length;
    this.text += this.output.token(this.outputTokens);
    this.outputTokens++;
    const stopAt = findStopString(this.text, this.stop, checkedUpTo);
    if (stopAt < 0) return false;
    this.text = this.text.slice(0, stopAt);
    return true;
  }

  /**
   * Text not yet sent. While the request runs, the tail that could still turn into a stop
   * string is held back; `final` releases everything that is left.
   */
  takeText(final: boolean): string {
    const end = final ? this.text.length : Math.max(this.emitted, this.text.length - this.holdback);
    const delta = this.text.slice(this.emitted, end);
    this.emitted = end;
    return delta;
  }
}
