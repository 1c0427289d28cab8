import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, parseConfig, type ServerConfig } from "./config.js";

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  parseConfig(argv, env) as ServerConfig;

function errorOf(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("parseConfig", () => {
  it("defaults to a loopback server that traces everything through both spans", () => {
    const config = parse([]);
    expect(config.host).toBe("127.0.0.1");
    expect(config.port).toBe(8000);
    expect(config.tracing).toEqual({
      enabled: true,
      sampleRate: 1,
      otlpEndpoint: undefined,
      serviceName: "llm-journey-demo",
      trustClientContext: true,
      followClientSampling: false,
      captureContent: false,
      attributeValueLengthLimit: 16_384,
      mode: "spans",
      maxJourneyAgeMs: 300_000,
      stepSampleRate: 0.01,
      stepSlowMs: undefined,
      stepMaxPerSecond: 20,
    });
    expect(config.engine.stepTime).toBeUndefined();
    expect(config.uploadTimeoutMs).toBe(30_000);
    expect(config.engineHeartbeatTimeoutMs).toBe(5_000);
    expect(config.journeyStoreMaxBytes).toBe(64 * 1024 * 1024);
  });

  it("bounds admission: the queue and each connection's share, from flags, then variables", () => {
    expect(parse([])).toMatchObject({ maxQueuedRequests: 256, maxPipelinedRequests: 8 });
    const env = { MAX_QUEUED_REQUESTS: "40", MAX_PIPELINED_REQUESTS: "2" };
    expect(parse([], env)).toMatchObject({ maxQueuedRequests: 40, maxPipelinedRequests: 2 });
    expect(
      parse(["--max-queued-requests", "0", "--max-pipelined-requests", "1"], env),
    ).toMatchObject({ maxQueuedRequests: 0, maxPipelinedRequests: 1 });
    expect(errorOf(["--max-pipelined-requests", "0"])).toMatch(
      "--max-pipelined-requests must be an integer >= 1, got 0",
    );
    expect(errorOf([], { MAX_QUEUED_REQUESTS: "1e3" })).toMatch(
      "--max-queued-requests must be an integer >= 0, got 1e3",
    );
  });

  it("reads the attribute length limit from the flag, then OpenTelemetry's two variables", () => {
    const limitOf = (argv: string[], env: NodeJS.ProcessEnv) =>
      parse(argv, env).tracing.attributeValueLengthLimit;
    const env = {
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "300",
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "200",
    };
    expect(limitOf(["--attribute-value-length-limit", "100"], env)).toBe(100);
    expect(limitOf([], env)).toBe(300);
    expect(limitOf([], { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "200" })).toBe(200);
    expect(errorOf([], { OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "lots" })).toMatch(
      "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT must be an integer >= 1, got lots",
    );
  });

  it("takes the watchdog's age, 0 to turn it off, and refuses anything else", () => {
    expect(parse(["--max-journey-age-ms", "60000"]).tracing.maxJourneyAgeMs).toBe(60_000);
    expect(parse(["--max-journey-age-ms", "0"]).tracing.maxJourneyAgeMs).toBe(0);
    for (const bad of ["-1", "1.5", "soon", ""]) {
      expect(errorOf([`--max-journey-age-ms=${bad}`])).toMatch(
        /--max-journey-age-ms must be an integer >= 0/,
      );
    }
  });

  it("takes the step-tracing rate, slow threshold and limit per second", () => {
    const config = parse([
      "--step-tracing-sample-rate",
      "0.5",
      "--step-tracing-slow-ms",
      "12.5",
      "--step-tracing-max-per-second",
      "0",
    ]);
    expect(config.tracing).toMatchObject({
      stepSampleRate: 0.5,
      stepSlowMs: 12.5,
      stepMaxPerSecond: 0,
    });
  });

  it("takes the negative flags", () => {
    const config = parse(["--no-journey-tracing", "--no-trust-client-trace-context"]);
    expect(config.tracing.enabled).toBe(false);
    expect(config.tracing.trustClientContext).toBe(false);
    expect(parse(["--enable-journey-tracing"]).tracing.enabled).toBe(true);
    expect(parse(["--capture-content"]).tracing.captureContent).toBe(true);
    expect(parse(["--no-capture-content"]).tracing.captureContent).toBe(false);
    expect(parse(["--follow-client-sampling"]).tracing.followClientSampling).toBe(true);
    expect(parse(["--no-follow-client-sampling"]).tracing.followClientSampling).toBe(false);
  });

  it("refuses a flag and its negation together", () => {
    expect(errorOf(["--enable-journey-tracing", "--no-journey-tracing"])).toMatch(
      "--enable-journey-tracing and --no-journey-tracing contradict each other",
    );
    expect(errorOf(["--capture-content", "--no-capture-content"])).toMatch("contradict");
    expect(errorOf(["--journey-tracing", "--no-journey-tracing"])).toMatch(
      "--journey-tracing and --no-journey-tracing contradict each other",
    );
  });

  it.each([
    [
      ["--journey-tracing-sample-rate", "1.5"],
      "--journey-tracing-sample-rate must be in [0, 1], got 1.5",
    ],
    [["--journey-tracing-sample-rate=-0.1"], "must be a non-negative number, got -0.1"],
    [["--port", "70000"], "--port must be an integer in [0, 65535], got 70000"],
    [["--max-num-seqs", "0"], "--max-num-seqs must be an integer >= 1, got 0"],
    [["--block-size", "2.5"], "--block-size must be an integer >= 1, got 2.5"],
    [["--upload-timeout-ms", "0"], "--upload-timeout-ms must be an integer >= 1, got 0"],
    [
      ["--engine-heartbeat-timeout-ms", "soon"],
      "--engine-heartbeat-timeout-ms must be an integer >= 1, got soon",
    ],
    [
      ["--attribute-value-length-limit", "0"],
      "--attribute-value-length-limit must be an integer >= 1, got 0",
    ],
    [["--journey-store-max-bytes", "1e6"], "--journey-store-max-bytes must be an integer >= 1"],
    [["--tracing-mode", "both"], "--tracing-mode must be one of: spans, dual, legacy (got both)"],
    [["--otlp-traces-endpoint", "ftp://x"], "must be an http(s) URL, got ftp://x"],
    [["--fast", "--step-time-base-ms", "3"], "--fast cannot be combined with --step-time-* flags"],
    [["--step-tracing-sample-rate", "2"], "--step-tracing-sample-rate must be in [0, 1], got 2"],
    [["--step-tracing-slow-ms", "0"], "--step-tracing-slow-ms must be a number > 0, got 0"],
    [["--step-tracing-slow-ms", "soon"], "--step-tracing-slow-ms must be a non-negative number"],
    [
      ["--step-tracing-max-per-second", "1.5"],
      "--step-tracing-max-per-second must be an integer >= 0, got 1.5",
    ],
    [["--bogus"], "Unknown option '--bogus'"],
    [
      ["--follow-client-sampling", "--no-trust-client-trace-context"],
      "--follow-client-sampling needs the client's traceparent",
    ],
  ])("refuses %j with a message naming the flag", (argv, message) => {
    const text = errorOf(argv);
    expect(text).toContain(message);
  });

  it("reads the OTLP endpoint from the flag, then the traces variable, then the base one", () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" };
    expect(parse([], base).tracing.otlpEndpoint).toBe("http://collector:4318/v1/traces");
    const traces = { ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t:4318/custom" };
    expect(parse([], traces).tracing.otlpEndpoint).toBe("http://t:4318/custom");
    expect(
      parse(["--otlp-traces-endpoint", "https://flag/v1/traces"], traces).tracing.otlpEndpoint,
    ).toBe("https://flag/v1/traces");
  });

  it("refuses, at start-up, an OTLP protocol the exporter cannot speak", () => {
    // The exporters of both threads read the protocol from the process environment.
    vi.stubEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc");
    expect(errorOf(["--otlp-traces-endpoint", "http://c:4318/v1/traces"])).toMatch(
      /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL "grpc" is not an OTLP protocol supported here/,
    );
    // Without an endpoint nothing is exported, so nothing is refused.
    expect(parse([]).tracing.otlpEndpoint).toBeUndefined();
    vi.stubEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json");
    expect(parse(["--otlp-traces-endpoint", "http://c:4318/v1/traces"]).tracing.otlpEndpoint).toBe(
      "http://c:4318/v1/traces",
    );
  });

  it("takes host, port and the service name from the environment", () => {
    const config = parse([], { HOST: "0.0.0.0", PORT: "9000", OTEL_SERVICE_NAME: "svc" });
    expect([config.host, config.port, config.tracing.serviceName]).toEqual([
      "0.0.0.0",
      9000,
      "svc",
    ]);
  });

  it("builds the step-time model from any one of its flags", () => {
    expect(parse(["--step-time-base-ms", "3"]).engine.stepTime).toEqual({
      baseMs: 3,
      perPrefillTokenMs: 0.02,
      perDecodeSeqMs: 0.15,
    });
    expect(parse(["--fast"]).engine.stepTime).toBe("fast");
  });

  it("answers --help with the usage", () => {
    expect(parseConfig(["--help"], {})).toBe("help");
  });

  it("runs the simulated engine unless --engine or ENGINE names llama.cpp", () => {
    expect(parse([]).engine).toMatchObject({
      kind: "simulated",
      modelPath: undefined,
      maxNumSeqs: 16,
    });
    expect(parse(["--engine", "llama-cpp"]).engine).toMatchObject({
      kind: "llama-cpp",
      modelPath: undefined,
      threads: 1,
      maxNumSeqs: 4,
    });
    expect(
      parse(["--max-num-seqs", "2", "--threads", "3", "--model", "m.gguf"], {
        ENGINE: "llama-cpp",
      }).engine,
    ).toMatchObject({ kind: "llama-cpp", modelPath: "m.gguf", threads: 3, maxNumSeqs: 2 });
    expect(parse([], { ENGINE: "llama-cpp", MODEL: "env.gguf" }).engine.modelPath).toBe("env.gguf");
    expect(errorOf(["--engine", "vllm"])).toMatch(/--engine must be one of: simulated, llama-cpp/);
  });

  it("refuses the simulated engine's shape and the legacy modes over llama.cpp, and llama.cpp's flags without it", () => {
    expect(errorOf(["--engine", "llama-cpp", "--num-kv-blocks", "8", "--fast"])).toMatch(
      /--num-kv-blocks, --fast: the simulated engine's shape, which does not apply to --engine llama-cpp/,
    );
    expect(errorOf(["--engine", "llama-cpp", "--step-time-base-ms", "3"])).toMatch(
      /--step-time-base-ms/,
    );
    expect(errorOf(["--engine", "llama-cpp", "--tracing-mode", "dual"])).toMatch(
      /--tracing-mode dual needs --engine simulated/,
    );
    expect(errorOf(["--model", "m.gguf"])).toMatch(/--model applies to --engine llama-cpp only/);
    expect(errorOf(["--engine", "llama-cpp", "--threads", "0"])).toMatch(/--threads must be/);
  });
});
