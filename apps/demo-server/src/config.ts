import { parseArgs } from "node:util";
import { DEFAULT_STEP_SAMPLE_RATE } from "@llm-journey/tracer-core";
import { resolveOtlpProtocol } from "@llm-journey/tracer-core/sdk";
import { DEFAULT_STEP_MAX_PER_SECOND } from "./engine/engine-options.js";
import { DEFAULT_JOURNEY_STORE_MAX_BYTES } from "./journeys/journey-store.js";

export const TRACING_MODES = ["spans", "dual", "legacy"] as const;
export const ENGINES = ["simulated", "llama-cpp"] as const;
export type EngineKind = (typeof ENGINES)[number];
export type TracingMode = (typeof TRACING_MODES)[number];

/** Everything the demo server can be told, from flags and environment variables. */
export type ServerConfig = Exclude<ReturnType<typeof parseConfig>, "help">;

export const USAGE = `Usage: npm run demo -- [flags]

  --host HOST                          listen address [HOST] (default 127.0.0.1)
  --port PORT                          listen port [PORT] (default 8000)
  --enable-journey-tracing             journey tracing on (default)
  --no-journey-tracing                 journey tracing off
  --journey-tracing-sample-rate R      share of requests traced, 0..1 (default 1)
  --otlp-traces-endpoint URL           also export spans over OTLP/HTTP
                                       [OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT]
  --no-trust-client-trace-context      ignore clients' traceparent (untrusted clients)
  --follow-client-sampling             also obey the sampled flag of a client's traceparent
                                       (default: the sample rate alone decides)
  --capture-content                    record prompt and completion text on spans (personal data!)
  --attribute-value-length-limit N     cut every string attribute, captured content included, to N
                                       characters [OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT,
                                       OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT] (default 16384)
  --tracing-mode spans|dual|legacy     spans: llm_request + llm_core (default);
                                       legacy: only the old buffered span; dual: both streams
  --max-journey-age-ms MS              close journeys still open after MS, in both layers
                                       (the watchdog; default 300000, 0 = off)
  --step-tracing-sample-rate R         share of scheduler steps kept as llm_step spans, 0..1
                                       (default 0.01; steps with a preemption are always kept)
  --step-tracing-slow-ms MS            also keep every step at least this long (default: off)
  --step-tracing-max-per-second N      of the steps the rate picks, keep at most N a second
                                       (default 20)
  --engine simulated|llama-cpp         simulated: the simulated model (default); llama-cpp: real
                                       llama.cpp through node-llama-cpp, on the CPU [ENGINE]
  --model FILE.gguf                    llama-cpp: the model [MODEL] (default: a generated tiny
                                       model with random weights, so its text is gibberish)
  --threads N                          llama-cpp: threads per batch (default 1)
  --max-num-seqs N                     running sequences at most; llama-cpp: the context's
                                       sequences (default 16; llama-cpp: 4)
  --max-num-batched-tokens N           tokens per scheduler step (default 512)
  --num-kv-blocks N                    KV cache blocks (default 512)
  --block-size N                       tokens per KV block (default 16)
  --step-time-base-ms MS               simulated step time: fixed cost per step
  --step-time-per-prefill-token-ms MS  simulated step time: cost per prompt token
  --step-time-per-decode-seq-ms MS     simulated step time: cost per decoding sequence
  --fast                               no simulated step time (for tests)
  --inject-engine-error-rate R         share of requests failing inside the engine, 0..1
  --request-timeout-ms MS              generation timeout of a non-streaming request (default 120000)
  --upload-timeout-ms MS               a request's headers and body must arrive within it,
                                       else 408 and the connection closes (default 30000)
  --max-queued-requests N              requests that may wait for the engine beyond the
                                       --max-num-seqs it runs; past it, 429 with Retry-After
                                       [MAX_QUEUED_REQUESTS] (default 256)
  --max-pipelined-requests N           requests one connection may have in the engine at once;
                                       past it, 429 with Retry-After [MAX_PIPELINED_REQUESTS]
                                       (default 8)
  --engine-heartbeat-timeout-ms MS     /health answers 503 once the engine has not answered a
                                       heartbeat for this long (default 5000)
  --journey-store-max-bytes N          the in-memory journey store keeps its last 500 traces
                                       within about N bytes of JSON (default 67108864, 64 MiB)
  --shutdown-grace-ms MS               time in-flight requests get at shutdown (default 10000)
  --log-level LEVEL                    pino level (default warn)
  --help                               this text
OTEL_SERVICE_NAME names the service (default llm-journey-demo).`;

/**
 * The parser's options, read off `USAGE`, so a flag is written once: a flag followed by
 * the name of its value takes a value, any other is a switch. Then the spellings `USAGE`
 * does not list: the plain positive of a negative flag, and the negation of a switch.
 */
const OPTIONS = Object.fromEntries([
  ...[...USAGE.matchAll(/^ {2}--([a-z-]+)( \S)?/gm)].map(([, name, value]) => [
    name,
    { type: value === undefined ? ("boolean" as const) : ("string" as const) },
  ]),
  ...[
    "journey-tracing",
    "trust-client-trace-context",
    "no-follow-client-sampling",
    "no-capture-content",
  ].map((name) => [name, { type: "boolean" as const }]),
]);

/** A configuration mistake: the message says which flag and what was wrong. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * The watchdog's default: five minutes, well above the 2-minute request timeout, so it
 * only closes journeys that nothing else closed.
 */
export const DEFAULT_MAX_JOURNEY_AGE_MS = 300_000;

/**
 * The engine's queue: each waiting request costs about 30 kB, and at the default engine
 * shape 256 waiting requests are several seconds of work, past which a client is better
 * told to come back than kept waiting.
 */
export const DEFAULT_MAX_QUEUED_REQUESTS = 256;

/**
 * HTTP/1.1 pipelining is rare and shallow in real clients; a few requests in the engine per
 * connection serve them, and keep one write of a thousand requests from buying minutes of
 * generation.
 */
export const DEFAULT_MAX_PIPELINED_REQUESTS = 8;

/** Long enough for a chat of a few pages, short enough that 500 captured traces stay small. */
const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 16_384;

/** llama.cpp's default sequences: each holds its own context, and a CPU batches a few well. */
const LLAMA_CPP_SEQUENCES = 4;

const STEP_TIME_FLAGS = [
  "step-time-base-ms",
  "step-time-per-prefill-token-ms",
  "step-time-per-decode-seq-ms",
];

const ENGINE_DEFAULTS = {
  maxNumSeqs: 16,
  maxNumBatchedTokens: 512,
  numKvBlocks: 512,
  blockSize: 16,
};

/** Reads flags and the environment; throws `ConfigError` for anything invalid. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...argv], strict: true, options: OPTIONS }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return "help" as const;
  const str = (name: string) => values[name] as string | undefined;
  // The negative flags are options of their own: parseArgs' allowNegative needs Node 20.16.
  const toggle = (flag: string, positives: string[]): boolean | undefined => {
    const on = positives.find((name) => values[name] === true);
    const off = values[`no-${flag}`] === true;
    if (on !== undefined && off) {
      throw new ConfigError(`--${on} and --no-${flag} contradict each other`);
    }
    return on !== undefined ? true : off ? false : undefined;
  };
  const tracingFlag = toggle("journey-tracing", ["enable-journey-tracing", "journey-tracing"]);
  const trustFlag = toggle("trust-client-trace-context", ["trust-client-trace-context"]);
  const captureFlag = toggle("capture-content", ["capture-content"]);
  const followFlag = toggle("follow-client-sampling", ["follow-client-sampling"]);
  if (followFlag === true && trustFlag === false) {
    throw new ConfigError(
      "--follow-client-sampling needs the client's traceparent: it cannot be combined with --no-trust-client-trace-context",
    );
  }
  const mode = oneOf("tracing-mode", str("tracing-mode") ?? "spans", TRACING_MODES);
  const kind = oneOf("engine", str("engine") ?? (env.ENGINE || "simulated"), ENGINES);
  const modelPath = str("model") ?? (env.MODEL || undefined);
  if (kind === "llama-cpp") {
    // The simulated engine's shape and tracing modes mean nothing over llama.cpp.
    const simulatedOnly = [
      "max-num-batched-tokens",
      "num-kv-blocks",
      "block-size",
      ...STEP_TIME_FLAGS,
      "fast",
      "inject-engine-error-rate",
    ].filter((flag) => values[flag] !== undefined);
    if (simulatedOnly.length > 0) {
      throw new ConfigError(
        `${simulatedOnly.map((flag) => `--${flag}`).join(", ")}: the simulated engine's shape, which does not apply to --engine llama-cpp (llama.cpp batches as it does; --max-num-seqs sets its sequences)`,
      );
    }
    if (mode !== "spans") {
      throw new ConfigError(`--tracing-mode ${mode} needs --engine simulated`);
    }
  } else {
    for (const flag of ["model", "threads"]) {
      if (values[flag] !== undefined) {
        throw new ConfigError(`--${flag} applies to --engine llama-cpp only`);
      }
    }
  }
  const stepTimeGiven = STEP_TIME_FLAGS.some((flag) => str(flag) !== undefined);
  if (values.fast && stepTimeGiven) {
    throw new ConfigError("--fast cannot be combined with --step-time-* flags");
  }
  // Each reads its own flag: the name is written once.
  const int = (flag: string, fallback: number, min: number, raw = str(flag)) =>
    integer(`--${flag}`, raw, fallback, { min });
  const num = (flag: string, fallback: number) => number(`--${flag}`, str(flag), fallback);
  const share = (flag: string, fallback: number) => fraction(`--${flag}`, str(flag), fallback);
  return {
    host: str("host") ?? env.HOST ?? "127.0.0.1",
    port: integer("--port", str("port") ?? env.PORT, 8000, { min: 0, max: 65535 }),
    tracing: {
      enabled: tracingFlag !== false,
      sampleRate: share("journey-tracing-sample-rate", 1),
      /** OTLP/HTTP traces endpoint; spans also go to the embedded store either way. */
      otlpEndpoint: otlpEndpoint(str("otlp-traces-endpoint"), env),
      serviceName: env.OTEL_SERVICE_NAME || "llm-journey-demo",
      trustClientContext: trustFlag !== false,
      /**
       * Let a client's W3C sampled flag decide too: off by default, so the sample rate alone
       * decides what is traced and a client can switch tracing neither on nor off.
       */
      followClientSampling: followFlag === true,
      /** Record prompt and completion text on llm_request (opt-in: it may hold personal data). */
      captureContent: captureFlag === true,
      /** Every string attribute is cut to this many characters (OpenTelemetry's span limit). */
      attributeValueLengthLimit: attributeValueLengthLimit(
        str("attribute-value-length-limit"),
        env,
      ),
      /**
       * Which streams a traced request produces: `spans` (the default) the two linked spans;
       * `legacy` only the old buffered span built after the fact; `dual` all three, to
       * compare while migrating. Only `legacy` and `dual` load the legacy-buffer package.
       */
      mode,
      /**
       * The watchdog of both tracers: a journey open longer than this many milliseconds is
       * closed (`api.ABORTED reason=watchdog`, `journey.closed_by=watchdog`). 0: off.
       */
      maxJourneyAgeMs: int("max-journey-age-ms", DEFAULT_MAX_JOURNEY_AGE_MS, 0),
      /** Share of scheduler steps kept as `llm_step` spans (preempting steps always are). */
      stepSampleRate: share("step-tracing-sample-rate", DEFAULT_STEP_SAMPLE_RATE),
      /** Steps at least this long are kept whatever the rate; undefined: no threshold. */
      stepSlowMs: positive("--step-tracing-slow-ms", str("step-tracing-slow-ms")),
      /** Steps the rate keeps per second, at most. */
      stepMaxPerSecond: int("step-tracing-max-per-second", DEFAULT_STEP_MAX_PER_SECOND, 0),
    },
    engine: {
      /** `simulated` (the default) or `llama-cpp`: llama.cpp through node-llama-cpp. */
      kind,
      /** llama-cpp: a GGUF file; undefined: the generated tiny model (random weights). */
      modelPath: kind === "llama-cpp" ? modelPath : undefined,
      /** llama-cpp: threads llama.cpp computes each batch with. */
      threads: int("threads", 1, 1),
      maxNumSeqs: int(
        "max-num-seqs",
        kind === "llama-cpp" ? LLAMA_CPP_SEQUENCES : ENGINE_DEFAULTS.maxNumSeqs,
        1,
      ),
      maxNumBatchedTokens: int("max-num-batched-tokens", ENGINE_DEFAULTS.maxNumBatchedTokens, 1),
      numKvBlocks: int("num-kv-blocks", ENGINE_DEFAULTS.numKvBlocks, 1),
      blockSize: int("block-size", ENGINE_DEFAULTS.blockSize, 1),
      stepTime: values.fast
        ? ("fast" as const)
        : stepTimeGiven
          ? {
              baseMs: num("step-time-base-ms", 6),
              perPrefillTokenMs: num("step-time-per-prefill-token-ms", 0.02),
              perDecodeSeqMs: num("step-time-per-decode-seq-ms", 0.15),
            }
          : undefined,
      injectEngineErrorRate: share("inject-engine-error-rate", 0),
    },
    /** Generation timeout of a non-streaming request, once its body has arrived. */
    requestTimeoutMs: int("request-timeout-ms", 120_000, 1),
    /** A request's headers and body must arrive within it, else 408 and the connection closes. */
    uploadTimeoutMs: int("upload-timeout-ms", 30_000, 1),
    /**
     * Generation requests that may wait for the engine beyond the `maxNumSeqs` it runs: past
     * `maxNumSeqs + maxQueuedRequests` in the engine at once, a request gets 429.
     */
    maxQueuedRequests: int(
      "max-queued-requests",
      DEFAULT_MAX_QUEUED_REQUESTS,
      0,
      str("max-queued-requests") ?? env.MAX_QUEUED_REQUESTS,
    ),
    /** Generation requests one connection may have in the engine at once (pipelined): past it, 429. */
    maxPipelinedRequests: int(
      "max-pipelined-requests",
      DEFAULT_MAX_PIPELINED_REQUESTS,
      1,
      str("max-pipelined-requests") ?? env.MAX_PIPELINED_REQUESTS,
    ),
    /** `/health` answers 503 once the engine has left a heartbeat unanswered this long. */
    engineHeartbeatTimeoutMs: int("engine-heartbeat-timeout-ms", 5_000, 1),
    shutdownGraceMs: int("shutdown-grace-ms", 10_000, 0),
    bodyLimitBytes: 1024 * 1024,
    journeyStoreSize: 500,
    /** `llm_step` spans kept for `/debug/steps`. */
    stepStoreSize: 500,
    /** The journey store drops its oldest traces past about this many bytes of JSON. */
    journeyStoreMaxBytes: int("journey-store-max-bytes", DEFAULT_JOURNEY_STORE_MAX_BYTES, 1),
    logLevel: str("log-level") ?? "warn",
  };
}

/** The flag, else OpenTelemetry's own variables, else a bound that keeps captured content small. */
function attributeValueLengthLimit(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  if (flag !== undefined) return integer("--attribute-value-length-limit", flag, 0, { min: 1 });
  const name = ["OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"].find(
    (variable) => env[variable]?.trim(),
  );
  if (name === undefined) return DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT;
  return integer(name, env[name], 0, { min: 1 });
}

function otlpEndpoint(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const url = flag ?? (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  // The generic endpoint is a base URL: the traces path is appended (OTLP exporter spec).
  const endpoint =
    url !== undefined
      ? checkedUrl(url)
      : base
        ? checkedUrl(`${base.replace(/\/+$/, "")}/v1/traces`)
        : undefined;
  // Both threads build their exporter from the same variables: check the protocol once,
  // here, rather than fail later inside each thread.
  if (endpoint !== undefined) {
    try {
      resolveOtlpProtocol();
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  return endpoint;
}

function checkedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
    return url;
  } catch {
    throw new ConfigError(`--otlp-traces-endpoint must be an http(s) URL, got ${url}`);
  }
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`--${flag} must be one of: ${allowed.join(", ")} (got ${value})`);
  }
  return value as T;
}

/** The checks below name the flag (or variable) `name` in their errors. */
function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name} must be a non-negative number, got ${raw}`);
  }
  return value;
}

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = number(name, raw, 0);
  if (value === 0) throw new ConfigError(`${name} must be a number > 0, got ${raw}`);
  return value;
}

function fraction(name: string, raw: string | undefined, fallback: number): number {
  const value = number(name, raw, fallback);
  if (value > 1) throw new ConfigError(`${name} must be in [0, 1], got ${raw}`);
  return value;
}

function integer(
  name: string,
  raw: string | undefined,
  fallback: number,
  range: { min: number; max?: number },
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (
    !/^\d+$/.test(raw.trim()) ||
    value < range.min ||
    (range.max !== undefined && value > range.max)
  ) {
    const bound = range.max !== undefined ? ` in [${range.min}, ${range.max}]` : ` >= ${range.min}`;
    throw new ConfigError(`${name} must be an integer${bound}, got ${raw}`);
  }
  return value;
}
