import { DEFAULT_STEP_SAMPLE_RATE } from "@llm-journey/tracer-core";

/** The demo's limit on steps kept by the rate per second (see `stepMaxPerSecond`). */
export const DEFAULT_STEP_MAX_PER_SECOND = 20;

import { DEFAULT_STEP_TIME, type StepTimeModel } from "./step-time-model.js";

export interface EngineTracingOptions {
  /** `false` uses the no-op core tracer: no span, no per-request state. Default: true. */
  enabled: boolean;
  /**
   * Share of requests traced when a request carries no `x-llm-journey-sampled` header
   * (the API layer always sets it). In [0, 1]. Default: 1.
   */
  sampleRate: number;
  /** OTLP/HTTP traces URL; when set, core spans are also exported there in batches. */
  otlpEndpoint?: string | undefined;
  /** `service.name` of the engine's spans. Default: `OTEL_SERVICE_NAME`, else `llm-journey-demo`. */
  serviceName: string;
  /**
   * A second journey stream fed by the scheduler's hooks beside (or, with `enabled` false,
   * instead of) the core tracer: a tracing mode's plug-in. `module` is the module that
   * builds it (see `JourneyStreamModule`), relative to the engine's folder; `options` are
   * handed to it as they are. Its records go to the HTTP thread with each step. Default: none.
   */
  journeyStream?: JourneyStreamPlugin | undefined;
  /**
   * The core tracer's watchdog: a journey open longer than this many milliseconds is
   * closed with `journey.closed_by = watchdog`. 0: off. Default: 0.
   */
  maxJourneyAgeMs: number;
  /** Share of scheduler steps kept as `llm_step` spans; preempting steps always are. Default: 0.01. */
  stepSampleRate: number;
  /** Steps at least this long (ms) are kept whatever the rate. Default: none. */
  stepSlowMs?: number | undefined;
  /**
   * Steps the rate keeps per second, at most (preempting and slow steps are always kept).
   * Default: 20, so that a `--fast` engine's thousands of steps a second stay cheap.
   */
  stepMaxPerSecond: number;
  /**
   * Every string attribute of the engine's spans is cut to this many characters. Default:
   * the SDK's, from `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` or `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.
   */
  attributeValueLengthLimit?: number | undefined;
}

/** Where a second journey stream comes from; plain data, as all of the options. */
export interface JourneyStreamPlugin {
  readonly module: string;
  readonly options?: unknown;
}

/**
 * llama.cpp through node-llama-cpp, in place of the simulated model: a context of
 * `maxNumSeqs` sequences scheduled first come, first served. The simulated engine's shape
 * (batched tokens, KV blocks, step time, injected errors) does not apply to it.
 */
export interface LlamaCppOptions {
  /**
   * A GGUF model file. Default: the repository's generated tiny model (random weights, so
   * its text is gibberish), written on first use to the system's temporary folder.
   */
  modelPath?: string | undefined;
  /** Threads llama.cpp computes each batch with. Default: 1. */
  threads: number;
}

/**
 * The shape of the engine. Plain data only: it travels to the worker thread as
 * `workerData`.
 */
export interface EngineOptions {
  /** Running sequences at most (with llama.cpp, the context's sequences). Default: 16. */
  maxNumSeqs: number;
  /** Tokens computed per step, decode tokens and prefill chunks together. Default: 512. */
  maxNumBatchedTokens: number;
  /** KV cache size in blocks. Default: 512. */
  numKvBlocks: number;
  /** Tokens per KV block. Default: 16. */
  blockSize: number;
  /** Simulated step duration. Default: `DEFAULT_STEP_TIME`. */
  stepTime: StepTimeModel;
  /** Share of requests that fail inside the completion path, in [0, 1]. Default: 0. */
  injectEngineErrorRate: number;
  /** Seeds the choice of failing requests, so a run can be replayed. Default: 0. */
  seed: number;
  /** Run llama.cpp instead of the simulated model. Default: the simulated model. */
  llamaCpp?: LlamaCppOptions | undefined;
  tracing: EngineTracingOptions;
}

/** What callers pass: any option may be left out, including inside `tracing` and `llamaCpp`. */
export type EngineOptionsInput = Partial<Omit<EngineOptions, "tracing" | "llamaCpp">> & {
  tracing?: Partial<EngineTracingOptions>;
  llamaCpp?: Partial<LlamaCppOptions>;
};

export const DEFAULT_SERVICE_NAME = "llm-journey-demo";

/**
 * Fills in the defaults and validates. A bad value throws here, once, naming the option:
 * a `TypeError` for a value of the wrong kind, a `RangeError` for one out of range.
 */
export function resolveEngineOptions(input: EngineOptionsInput = {}): EngineOptions {
  const tracing = input.tracing ?? {};
  const stepTime = input.stepTime ?? DEFAULT_STEP_TIME;
  if (typeof stepTime !== "object" || stepTime === null) {
    throw new TypeError(`stepTime must be a step-time model object, got ${describe(stepTime)}`);
  }
  const otlpEndpoint = tracing.otlpEndpoint;
  if (otlpEndpoint !== undefined) assertUrl(otlpEndpoint, "tracing.otlpEndpoint");
  const serviceName =
    tracing.serviceName ?? (process.env.OTEL_SERVICE_NAME || undefined) ?? DEFAULT_SERVICE_NAME;
  if (typeof serviceName !== "string" || serviceName.length === 0) {
    throw new TypeError(
      `tracing.serviceName must be a non-empty string, got ${describe(serviceName)}`,
    );
  }
  const enabled = tracing.enabled ?? true;
  if (typeof enabled !== "boolean") {
    throw new TypeError(`tracing.enabled must be a boolean, got ${describe(enabled)}`);
  }
  return {
    maxNumSeqs: positiveInteger(input.maxNumSeqs ?? 16, "maxNumSeqs"),
    maxNumBatchedTokens: positiveInteger(input.maxNumBatchedTokens ?? 512, "maxNumBatchedTokens"),
    numKvBlocks: positiveInteger(input.numKvBlocks ?? 512, "numKvBlocks"),
    blockSize: positiveInteger(input.blockSize ?? 16, "blockSize"),
    stepTime: {
      baseMs: nonNegative(stepTime.baseMs, "stepTime.baseMs"),
      perPrefillTokenMs: nonNegative(stepTime.perPrefillTokenMs, "stepTime.perPrefillTokenMs"),
      perDecodeSeqMs: nonNegative(stepTime.perDecodeSeqMs, "stepTime.perDecodeSeqMs"),
    },
    injectEngineErrorRate: fraction(input.injectEngineErrorRate ?? 0, "injectEngineErrorRate"),
    seed: integer(input.seed ?? 0, "seed"),
    ...(input.llamaCpp !== undefined ? { llamaCpp: llamaCppOptions(input.llamaCpp) } : {}),
    tracing: {
      enabled,
      sampleRate: fraction(tracing.sampleRate ?? 1, "tracing.sampleRate"),
      ...(otlpEndpoint !== undefined ? { otlpEndpoint } : {}),
      serviceName,
      ...(tracing.journeyStream !== undefined
        ? { journeyStream: journeyStreamPlugin(tracing.journeyStream) }
        : {}),
      maxJourneyAgeMs: nonNegative(tracing.maxJourneyAgeMs ?? 0, "tracing.maxJourneyAgeMs"),
      stepSampleRate: fraction(
        tracing.stepSampleRate ?? DEFAULT_STEP_SAMPLE_RATE,
        "tracing.stepSampleRate",
      ),
      ...(tracing.stepSlowMs !== undefined
        ? { stepSlowMs: positiveNumber(tracing.stepSlowMs, "tracing.stepSlowMs") }
        : {}),
      stepMaxPerSecond: nonNegative(
        tracing.stepMaxPerSecond ?? DEFAULT_STEP_MAX_PER_SECOND,
        "tracing.stepMaxPerSecond",
      ),
      ...(tracing.attributeValueLengthLimit !== undefined
        ? {
            attributeValueLengthLimit: positiveInteger(
              tracing.attributeValueLengthLimit,
              "tracing.attributeValueLengthLimit",
            ),
          }
        : {}),
    },
  };
}

function llamaCppOptions(input: Partial<LlamaCppOptions>): LlamaCppOptions {
  const { modelPath } = input;
  if (modelPath !== undefined && (typeof modelPath !== "string" || modelPath.length === 0)) {
    throw new TypeError(`llamaCpp.modelPath must be a file path, got ${describe(modelPath)}`);
  }
  return {
    ...(modelPath !== undefined ? { modelPath } : {}),
    threads: positiveInteger(input.threads ?? 1, "llamaCpp.threads"),
  };
}

function journeyStreamPlugin(value: JourneyStreamPlugin): JourneyStreamPlugin {
  if (typeof value?.module !== "string" || !/^\.\.?\//.test(value.module)) {
    throw new TypeError(
      `tracing.journeyStream.module must be a relative module path, got ${describe(value?.module)}`,
    );
  }
  return value;
}

/**
 * A check of a numeric option: a `TypeError` for anything but a number, a `RangeError`
 * naming `what` it must be for a number that fails `test`.
 */
function rule(what: string, test: (n: number) => boolean) {
  return (value: unknown, name: string): number => {
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new TypeError(`${name} must be a number, got ${describe(value)}`);
    }
    if (!test(value)) throw new RangeError(`${name} must be ${what}, got ${describe(value)}`);
    return value;
  };
}

const positiveInteger = rule("a positive integer", (n) => Number.isSafeInteger(n) && n >= 1);
const integer = rule("an integer", Number.isSafeInteger);
const nonNegative = rule("a finite number >= 0", (n) => Number.isFinite(n) && n >= 0);
const positiveNumber = rule("a finite number > 0", (n) => Number.isFinite(n) && n > 0);
const fraction = rule("in [0, 1]", (n) => n >= 0 && n <= 1);

function assertUrl(value: unknown, name: string): void {
  if (typeof value !== "string" || !URL.canParse(value)) {
    throw new TypeError(`${name} must be an absolute URL, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
