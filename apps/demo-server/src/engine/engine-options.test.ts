import { describe, expect, it } from "vitest";
import { DEFAULT_SERVICE_NAME, resolveEngineOptions } from "./engine-options.js";
import { DEFAULT_STEP_TIME } from "./step-time-model.js";

describe("resolveEngineOptions", () => {
  it("fills in the documented defaults", () => {
    const previous = process.env.OTEL_SERVICE_NAME;
    delete process.env.OTEL_SERVICE_NAME;
    try {
      expect(resolveEngineOptions()).toEqual({
        maxNumSeqs: 16,
        maxNumBatchedTokens: 512,
        numKvBlocks: 512,
        blockSize: 16,
        stepTime: DEFAULT_STEP_TIME,
        injectEngineErrorRate: 0,
        seed: 0,
        tracing: {
          enabled: true,
          sampleRate: 1,
          serviceName: DEFAULT_SERVICE_NAME,
          maxJourneyAgeMs: 0,
          stepSampleRate: 0.01,
          stepMaxPerSecond: 20,
        },
      });
    } finally {
      if (previous !== undefined) process.env.OTEL_SERVICE_NAME = previous;
    }
  });

  it("takes the service name from OTEL_SERVICE_NAME unless one is given", () => {
    const previous = process.env.OTEL_SERVICE_NAME;
    process.env.OTEL_SERVICE_NAME = "from-env";
    try {
      expect(resolveEngineOptions().tracing.serviceName).toBe("from-env");
      expect(resolveEngineOptions({ tracing: { serviceName: "given" } }).tracing.serviceName).toBe(
        "given",
      );
    } finally {
      if (previous === undefined) delete process.env.OTEL_SERVICE_NAME;
      else process.env.OTEL_SERVICE_NAME = previous;
    }
  });

  it.each([
    [{ maxNumSeqs: 0 }, RangeError, "maxNumSeqs must be a positive integer, got 0"],
    [
      { maxNumBatchedTokens: 1.5 },
      RangeError,
      "maxNumBatchedTokens must be a positive integer, got 1.5",
    ],
    [{ numKvBlocks: -1 }, RangeError, "numKvBlocks must be a positive integer, got -1"],
    [{ blockSize: "16" }, TypeError, 'blockSize must be a number, got "16"'],
    [{ injectEngineErrorRate: 2 }, RangeError, "injectEngineErrorRate must be in [0, 1], got 2"],
    [{ seed: 0.5 }, RangeError, "seed must be an integer, got 0.5"],
    [
      { tracing: { attributeValueLengthLimit: 0 } },
      RangeError,
      "tracing.attributeValueLengthLimit must be a positive integer, got 0",
    ],
    [
      { stepTime: { ...DEFAULT_STEP_TIME, baseMs: -1 } },
      RangeError,
      "stepTime.baseMs must be a finite number >= 0, got -1",
    ],
    [
      { tracing: { sampleRate: Number.NaN } },
      TypeError,
      "tracing.sampleRate must be a number, got NaN",
    ],
    [{ tracing: { enabled: "yes" } }, TypeError, 'tracing.enabled must be a boolean, got "yes"'],
    [
      { tracing: { journeyStream: { module: "/abs/stream.js" } } },
      TypeError,
      'tracing.journeyStream.module must be a relative module path, got "/abs/stream.js"',
    ],
    [
      { tracing: { stepSampleRate: 1.5 } },
      RangeError,
      "tracing.stepSampleRate must be in [0, 1], got 1.5",
    ],
    [
      { tracing: { stepSlowMs: 0 } },
      RangeError,
      "tracing.stepSlowMs must be a finite number > 0, got 0",
    ],
    [
      { tracing: { stepMaxPerSecond: -1 } },
      RangeError,
      "tracing.stepMaxPerSecond must be a finite number >= 0, got -1",
    ],
    [
      { tracing: { otlpEndpoint: "not a url" } },
      TypeError,
      'tracing.otlpEndpoint must be an absolute URL, got "not a url"',
    ],
  ])("rejects %j with a message naming the option", (input, kind, message) => {
    expect(() => resolveEngineOptions(input as never)).toThrow(new kind(message));
    expect(() => resolveEngineOptions(input as never)).toThrow(kind);
  });
});
