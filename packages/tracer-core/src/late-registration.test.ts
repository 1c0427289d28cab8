import { createRequire } from "node:module";
import * as path from "node:path";
import { trace } from "@opentelemetry/api";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type CoreTracerOptions, createCoreTracer } from "./create-core-tracer.js";
import { ReferenceScheduler, simulatedRequest } from "./examples/reference-scheduler.js";
import { NOOP_CORE_TRACER } from "./noop-core-tracer.js";
import { assertNoTrackedEntries, createTestTracing, type TestTracing } from "./testing/index.js";

let testing: TestTracing | undefined;
afterEach(async () => {
  trace.disable();
  vi.restoreAllMocks();
  await testing?.shutdown();
  testing = undefined;
});

const request = (requestId: string) =>
  simulatedRequest({ requestId, promptTokens: 4, maxTokens: 2 });

/** A core tracer on the global provider whose reports land in `reports` as "operation: error". */
function reportingTracer(options: CoreTracerOptions = {}) {
  const reports: string[] = [];
  const core = createCoreTracer({
    sampleRate: 1,
    ...options,
    onError: (error, operation) => reports.push(`${operation}: ${String(error)}`),
  });
  return { core, reports };
}

/** Runs each request through the reference scheduler to its end, aborting `abort`. */
function serve(core: ReturnType<typeof createCoreTracer>, ids: string[], abort?: string) {
  const scheduler = new ReferenceScheduler(core, {
    maxRunning: 2,
    tokenBudget: 6,
    kvCapacityTokens: 12,
  });
  for (const id of ids) scheduler.add(request(id));
  scheduler.runStep();
  if (abort !== undefined) scheduler.abort(abort);
  while (!scheduler.idle) scheduler.runStep();
  scheduler.shutdown();
}

function registerSdk(): TestTracing {
  testing = createTestTracing();
  expect(trace.setGlobalTracerProvider(testing.provider)).toBe(true);
  return testing;
}

/**
 * A second copy of `@opentelemetry/api`, as an application gets when it `require`s the
 * API (1.10 ships separate CommonJS and ES builds) while the layers `import` it: its own
 * classes and its own global proxy, sharing only the global registry with ours.
 */
function secondApiCopy(): typeof import("@opentelemetry/api") {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@opentelemetry/api");
  const apiDir = entry.slice(0, entry.lastIndexOf(`${path.sep}build${path.sep}`));
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(apiDir)) delete require.cache[file];
  }
  return require("@opentelemetry/api");
}

describe("a core tracer created before an SDK is registered globally", () => {
  it("is not the no-op, says it is disabled, and keeps nothing until one is", () => {
    const { core } = reportingTracer();
    expect(core).not.toBe(NOOP_CORE_TRACER);
    expect(core.enabled).toBe(false);
    core.requestAdded(request("r"), 0);
    core.requestScheduled(request("r"), 1);
    core.requestFinished("r", "stopped", 2);
    assertNoTrackedEntries(core, "core");
  });

  it("records the requests added once the SDK is registered", () => {
    // The core used alone: it samples at its own rate, chosen here.
    const { core, reports } = reportingTracer();
    const early = request("early");
    core.requestAdded(early, 0);
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    expect(core.enabled).toBe(true);
    const late = request("late");
    core.requestAdded(late, 1);
    expect(core.trackedEntries).toBe(1);
    core.requestScheduled(late, 2);
    // The request added before registration has no journey: finishing it does nothing.
    core.requestFinished(early, "stopped", 3);
    core.requestFinished(late, "stopped", 3);
    const spans = testing.spansNamed("llm_core");
    expect(spans.map((span) => span.attributes["gen_ai.request.id"])).toEqual(["late"]);
    expect(spans[0]?.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FINISHED",
    ]);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
    // The one request added while there was no SDK is the one reported.
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('"early"');
  });

  it("finds an SDK registered through another copy of the API, and says nothing", () => {
    const other = secondApiCopy();
    expect(other.trace).not.toBe(trace);
    const { core, reports } = reportingTracer();
    expect(core.enabled).toBe(false);
    testing = createTestTracing();
    expect(other.trace.setGlobalTracerProvider(testing.provider)).toBe(true);
    serve(core, ["a", "b"], "b");
    expect(core.enabled).toBe(true);
    const ids = testing.spansNamed("llm_core").map((span) => span.attributes["gen_ai.request.id"]);
    expect(ids.sort()).toEqual(["a", "b"]);
    expect(reports).toEqual([]);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
    other.trace.disable();
  });

  it("keeps a rate set before the SDK is registered", () => {
    const core = createCoreTracer({ sampleRate: 1 });
    core.sampleRate = 0;
    expect(() => {
      core.sampleRate = 2;
    }).toThrow(/sampleRate/);
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    expect(core.sampleRate).toBe(0);
    core.requestAdded(request("not traced"), 0);
    expect(core.trackedEntries).toBe(0);
    core.sampleRate = 1;
    core.requestAdded(request("traced"), 1);
    core.requestFinished("traced", "stopped", 2);
    expect(testing.spansNamed("llm_core")).toHaveLength(1);
    assertNoTrackedEntries(core, "core");
  });

  it("starts its step spans once the SDK is registered", () => {
    const core = createCoreTracer({ steps: { sampleRate: 1 } });
    const step = (n: number) => ({
      step: n,
      startedAt: performance.now(),
      running: 0,
      waiting: 0,
      prefillTokens: 0,
      decodeSeqs: 0,
      preemptions: 0,
      batch: [],
    });
    core.stepFinished(step(1));
    testing = createTestTracing();
    trace.setGlobalTracerProvider(testing.provider);
    core.stepFinished(step(2));
    const steps = testing.spansNamed("llm_step");
    expect(steps.map((span) => span.attributes["scheduler.step"])).toEqual([2]);
    testing.assertEverySpanEndedOnce();
  });

  it("reports once and stays off when the registered SDK fails to give its tracer", () => {
    const errors: string[] = [];
    const core = createCoreTracer({ onError: (_error, operation) => errors.push(operation) });
    trace.setGlobalTracerProvider({
      getTracer: () => {
        throw new Error("broken provider");
      },
    });
    expect(core.enabled).toBe(false);
    core.requestAdded(request("a"), 0);
    core.requestAdded(request("b"), 1);
    expect(errors).toEqual(["createCoreTracer"]);
    assertNoTrackedEntries(core, "core");
  });

  it("reports the first request added while no SDK is registered, once, and leaves nothing behind", () => {
    const { core, reports } = reportingTracer({ steps: { sampleRate: 1 } });
    const unregistered = createTestTracing();
    serve(core, ["r0", "r1", "r2", "r3", "r4"], "r3");
    expect(reports).toEqual([
      'requestAdded: warning (no-sdk-registered): no OpenTelemetry SDK is registered globally, so llm-journey.scheduler gives request "r0" no llm_core span, nor any other request until one is; register the SDK (provider.register() or trace.setGlobalTracerProvider()) before requests arrive, or pass tracerProvider',
    ]);
    expect(core.enabled).toBe(false);
    expect(unregistered.finishedSpans()).toHaveLength(0);
    expect([core.activeSpans, core.trackedEntries, core.openJourneys()]).toEqual([0, 0, []]);
    return unregistered.shutdown();
  });

  it("says nothing when the SDK is registered before the first request", () => {
    const { core, reports } = reportingTracer();
    const sdk = registerSdk();
    serve(core, ["a", "b", "c"]);
    expect(sdk.spansNamed("llm_core").map((span) => span.attributes["gen_ai.request.id"])).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(reports).toEqual([]);
    sdk.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });

  it("reports one request added before the SDK is registered, then traces those added after", () => {
    const { core, reports } = reportingTracer();
    serve(core, ["before"]);
    expect(reports).toHaveLength(1);
    const sdk = registerSdk();
    serve(core, ["after-1", "after-2"], "after-2");
    expect(reports).toHaveLength(1);
    const ids = sdk.spansNamed("llm_core").map((span) => span.attributes["gen_ai.request.id"]);
    expect(ids.sort()).toEqual(["after-1", "after-2"]);
    sdk.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });

  it("warns once through the default console.warn when no onError is given", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const core = createCoreTracer();
    serve(core, ["a", "b"]);
    serve(core, ["c"]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^\[llm-journey\] warning from requestAdded \(no-sdk-registered\): no OpenTelemetry SDK is registered globally, so llm-journey.scheduler gives request "a" no llm_core span/,
    );
    assertNoTrackedEntries(core, "core");
  });

  it("keeps a handler that throws away from the scheduler", () => {
    const core = createCoreTracer({
      onError: () => {
        throw new Error("handler failed");
      },
    });
    expect(() => serve(core, ["a", "b"])).not.toThrow();
    assertNoTrackedEntries(core, "core");
  });

  it("says nothing with enabled: false or with a tracerProvider of its own", () => {
    const off = reportingTracer({ enabled: false });
    const sdk = createTestTracing();
    testing = sdk;
    const own = reportingTracer({ tracerProvider: sdk.provider });
    expect(off.core).toBe(NOOP_CORE_TRACER);
    serve(off.core, ["off"]);
    serve(own.core, ["own"]);
    trace.setGlobalTracerProvider(sdk.provider);
    serve(off.core, ["off after"]);
    expect([off.reports, own.reports]).toEqual([[], []]);
    expect(sdk.spansNamed("llm_core").map((span) => span.attributes["gen_ai.request.id"])).toEqual([
      "own",
    ]);
    assertNoTrackedEntries(own.core, "core");
  });

  it("reports exactly when a request came before the SDK, whenever it is registered", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.nat({ max: 12 }),
        async (aborts, registerAt) => {
          trace.disable();
          const { core, reports } = reportingTracer();
          const sdk = createTestTracing();
          aborts.forEach((abort, i) => {
            if (i === registerAt) trace.setGlobalTracerProvider(sdk.provider);
            serve(core, [`r${i}`], abort ? `r${i}` : undefined);
          });
          const before = Math.min(registerAt, aborts.length);
          expect(reports).toHaveLength(before > 0 ? 1 : 0);
          expect(sdk.spansNamed("llm_core")).toHaveLength(aborts.length - before);
          sdk.assertEverySpanEndedOnce();
          assertNoTrackedEntries(core, "core");
          trace.disable();
          await sdk.shutdown();
        },
      ),
      { numRuns: 50 },
    );
  });
});
