import type { TracingLayer } from "@llm-journey/tracer-core/internal";
import {
  assertNoTrackedEntries,
  createTestTracing,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import { trace } from "@opentelemetry/api";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LayerOptions, LayerSubject } from "./layer-subject.js";
import { secondApiCopy } from "./second-api-copy.js";

/**
 * What every layer does when it is created on the global provider before the application
 * registers its OpenTelemetry SDK, and what its no-op does: the same in every layer.
 */
export function describeLateRegistration<T extends TracingLayer>(subject: LayerSubject<T>): void {
  const { name } = subject;
  let testing: TestTracing | undefined;
  afterEach(async () => {
    trace.disable();
    vi.restoreAllMocks();
    await testing?.shutdown();
    testing = undefined;
  });

  function registerSdk(): TestTracing {
    testing = createTestTracing();
    expect(trace.setGlobalTracerProvider(testing.provider)).toBe(true);
    return testing;
  }

  /** The layer on the global provider, its reports landing in `reports` as "operation: error". */
  function reporting(options: LayerOptions = {}) {
    const reports: string[] = [];
    const tracer = subject.create({
      ...(subject.sampled ? { sampleRate: 1 } : {}),
      ...options,
      onError: (error, operation) => reports.push(`${operation}: ${String(error)}`),
    });
    return { tracer, reports };
  }

  const noSdkMessage = (requestId: string) =>
    `${subject.startOperation}: warning (no-sdk-registered): no OpenTelemetry SDK is registered globally, so ${subject.scope} gives request "${requestId}" no ${subject.spanName} span, nor any other request until one is; register the SDK (provider.register() or trace.setGlobalTracerProvider()) before requests arrive, or pass tracerProvider`;
  const reportsOf = (...requestIds: string[]) =>
    subject.reportsNoSdk ? requestIds.map(noSdkMessage) : [];

  describe(`a ${name} created before an SDK is registered globally`, () => {
    it("is not the no-op, says it is disabled, and keeps nothing until one is", () => {
      const { tracer } = reporting();
      expect(tracer).not.toBe(subject.noop);
      expect(tracer.enabled).toBe(false);
      subject.serve(tracer, ["r"]);
      subject.open(tracer, "left open").progress();
      assertNoTrackedEntries(tracer, name);
    });

    it("records the requests begun once the SDK is registered, not those begun before", () => {
      const { tracer, reports } = reporting();
      const early = subject.open(tracer, "early");
      const sdk = registerSdk();
      // Read when asked: true from the moment the SDK is registered.
      expect(tracer.enabled).toBe(true);
      subject.serve(tracer, ["late"]);
      // The request begun before registration has no journey: its calls do nothing.
      early.progress();
      early.finish();
      expect(subject.recorded(tracer, sdk)).toEqual(["late"]);
      sdk.assertEverySpanEndedOnce();
      assertNoTrackedEntries(tracer, name);
      expect(reports).toEqual(reportsOf("early"));
    });

    it("finds an SDK registered through another copy of the API, and says nothing", () => {
      const other = secondApiCopy();
      expect(other.trace).not.toBe(trace);
      const { tracer, reports } = reporting();
      expect(tracer.enabled).toBe(false);
      testing = createTestTracing();
      expect(other.trace.setGlobalTracerProvider(testing.provider)).toBe(true);
      subject.serve(tracer, ["a", "b"], ["b"]);
      expect(tracer.enabled).toBe(true);
      expect(subject.recorded(tracer, testing).sort()).toEqual(["a", "b"]);
      expect(reports).toEqual([]);
      testing.assertEverySpanEndedOnce();
      assertNoTrackedEntries(tracer, name);
      other.trace.disable();
    });

    it("reports once and stays off when the registered SDK fails to give its tracer", () => {
      const errors: string[] = [];
      const tracer = subject.create({ onError: (_error, operation) => errors.push(operation) });
      trace.setGlobalTracerProvider({
        getTracer: () => {
          throw new Error("broken provider");
        },
      });
      expect(tracer.enabled).toBe(false);
      subject.serve(tracer, ["a", "b"]);
      expect(errors).toEqual([subject.createOperation]);
      assertNoTrackedEntries(tracer, name);
    });

    it("reports the first request begun while no SDK is registered, once, and leaves nothing behind", () => {
      const { tracer, reports } = reporting();
      const unregistered = createTestTracing();
      testing = unregistered;
      subject.serve(tracer, ["r0", "r1", "r2", "r3", "r4"], ["r3"]);
      expect(reports).toEqual(reportsOf("r0"));
      expect(tracer.enabled).toBe(false);
      expect(unregistered.finishedSpans()).toHaveLength(0);
      assertNoTrackedEntries(tracer, name);
    });

    it("says nothing when the SDK is registered before the first request", () => {
      const { tracer, reports } = reporting();
      const sdk = registerSdk();
      subject.serve(tracer, ["a", "b", "c"]);
      expect(subject.recorded(tracer, sdk)).toEqual(["a", "b", "c"]);
      expect(reports).toEqual([]);
      sdk.assertEverySpanEndedOnce();
      assertNoTrackedEntries(tracer, name);
    });

    it("reports one request begun before the SDK is registered, then records those begun after", () => {
      const { tracer, reports } = reporting();
      subject.serve(tracer, ["before"]);
      expect(reports).toEqual(reportsOf("before"));
      const sdk = registerSdk();
      subject.serve(tracer, ["after-1", "after-2"], ["after-2"]);
      expect(reports).toEqual(reportsOf("before"));
      expect(subject.recorded(tracer, sdk).sort()).toEqual(["after-1", "after-2"]);
      sdk.assertEverySpanEndedOnce();
      assertNoTrackedEntries(tracer, name);
    });

    // A layer that says nothing itself has nothing to say through the default handler.
    if (subject.reportsNoSdk) {
      it("warns once through the default console.warn when no onError is given", () => {
        const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
        const tracer = subject.create({});
        subject.serve(tracer, ["a", "b"]);
        subject.serve(tracer, ["c"]);
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0]?.[0])).toBe(
          `[llm-journey] ${noSdkMessage("a").replace(
            `${subject.startOperation}: warning (no-sdk-registered): `,
            `warning from ${subject.startOperation} (no-sdk-registered): `,
          )}`,
        );
        assertNoTrackedEntries(tracer, name);
      });
    }

    it("keeps a handler that throws away from the caller", () => {
      const tracer = subject.create({
        onError: () => {
          throw new Error("handler failed");
        },
      });
      expect(() => subject.serve(tracer, ["a", "b"])).not.toThrow();
      assertNoTrackedEntries(tracer, name);
    });

    it("says nothing with enabled: false or with a tracerProvider of its own", () => {
      const off = reporting({ enabled: false });
      const sdk = createTestTracing();
      testing = sdk;
      const own = reporting({ tracerProvider: sdk.provider });
      expect(off.tracer).toBe(subject.noop);
      subject.serve(off.tracer, ["off"]);
      subject.serve(own.tracer, ["own"]);
      trace.setGlobalTracerProvider(sdk.provider);
      subject.serve(off.tracer, ["off after"]);
      expect([off.reports, own.reports]).toEqual([[], []]);
      expect(subject.recorded(own.tracer, sdk)).toEqual(["own"]);
      expect(subject.recorded(off.tracer, sdk)).not.toContain("off after");
      assertNoTrackedEntries(own.tracer, name);
    });

    it("closes what it opened at shutdown, once bound", () => {
      const { tracer } = reporting();
      const sdk = registerSdk();
      subject.open(tracer, "open").progress();
      expect(tracer.trackedEntries).toBe(1);
      subject.shutdown(tracer);
      assertNoTrackedEntries(tracer, name);
      sdk.assertEverySpanEndedOnce();
    });

    it("reports exactly when a request came before the SDK, whenever it is registered", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
          fc.nat({ max: 12 }),
          async (aborts, registerAt) => {
            trace.disable();
            const { tracer, reports } = reporting();
            const sdk = createTestTracing();
            aborts.forEach((abort, i) => {
              if (i === registerAt) trace.setGlobalTracerProvider(sdk.provider);
              subject.serve(tracer, [`r${i}`], abort ? [`r${i}`] : []);
            });
            const before = Math.min(registerAt, aborts.length);
            expect(reports).toHaveLength(before > 0 && subject.reportsNoSdk ? 1 : 0);
            expect(subject.recorded(tracer, sdk)).toHaveLength(aborts.length - before);
            sdk.assertEverySpanEndedOnce();
            assertNoTrackedEntries(tracer, name);
            trace.disable();
            await sdk.shutdown();
          },
        ),
        { numRuns: 50 },
      );
    });
  });

  if (!subject.sampled) return;
  describe(`the sample rate of a ${name}`, () => {
    type Sampled = T & { sampleRate: number };

    it("is kept when set before the SDK is registered, and checked", () => {
      const tracer = subject.create({ sampleRate: 1 }) as Sampled;
      tracer.sampleRate = 0;
      expect(() => {
        tracer.sampleRate = 2;
      }).toThrow(/sampleRate/);
      expect(tracer.sampleRate).toBe(0);
      const sdk = registerSdk();
      expect(tracer.sampleRate).toBe(0);
      subject.serve(tracer, ["not traced"]);
      tracer.sampleRate = 1;
      subject.serve(tracer, ["traced"]);
      expect(subject.recorded(tracer, sdk)).toEqual(["traced"]);
      assertNoTrackedEntries(tracer, name);
    });

    it("reads the configured rate while waiting, then the SDK's form's", () => {
      const tracer = subject.create({ sampleRate: 0.25 }) as Sampled;
      expect(tracer.sampleRate).toBe(0.25);
      registerSdk();
      expect(tracer.enabled).toBe(true);
      expect(tracer.sampleRate).toBe(0.25);
      tracer.sampleRate = 0.5;
      expect(tracer.sampleRate).toBe(0.5);
    });

    it("is 0 on the shared no-op, whatever is set, and a rate outside [0, 1] throws there too", () => {
      const noop = subject.create({ enabled: false, sampleRate: 1 }) as Sampled;
      expect(noop).toBe(subject.noop);
      noop.sampleRate = 0.5;
      expect(noop.sampleRate).toBe(0);
      expect(() => {
        noop.sampleRate = 2;
      }).toThrow(RangeError);
      expect([noop.enabled, noop.activeSpans, noop.trackedEntries]).toEqual([false, 0, 0]);
    });
  });
}
