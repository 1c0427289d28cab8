import type { CoreJourneyTracer, CoreRequestView } from "@llm-journey/tracer-core";
import {
  assertNoTrackedEntries,
  createTestTracing,
  createThrowingTracerProvider,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import type { TracerProvider } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import {
  createLegacyJourneyRecorder,
  createLegacySpanBuilder,
  dualJourneyTracer,
  type LegacyJourneyRecord,
  NOOP_LEGACY_SPAN_BUILDER,
} from "./index.js";
import { MiniScheduler, testRequest } from "./test-support/mini-scheduler.js";

let testing: TestTracing | undefined;
afterEach(() => testing?.shutdown());

function failures() {
  const seen: string[] = [];
  return { seen, onError: (_error: unknown, operation: string) => void seen.push(operation) };
}

describe("a failing tracer never reaches the caller", () => {
  it("completes every request through a provider whose spans throw, and keeps nothing", () => {
    const { seen, onError } = failures();
    const recorder = createLegacyJourneyRecorder();
    const builder = createLegacySpanBuilder({
      tracerProvider: createThrowingTracerProvider(),
      onError,
    });
    const scheduler = new MiniScheduler(recorder, {
      maxRunning: 2,
      prefillChunk: 4,
      kvCapacityTokens: 30,
    });
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      builder.begin(`r${i}`);
      scheduler.add(testRequest({ requestId: `r${i}`, promptTokens: 10, maxTokens: 5 }));
    }
    for (let i = 0; i < 100 && !scheduler.idle; i++) {
      const finished = scheduler.runStep();
      builder.collectStep(recorder.drainStep());
      for (const { requestId, status } of finished) {
        builder.complete(requestId, { status });
        results.push(`${requestId}:${status}`);
      }
    }
    expect(results.sort()).toEqual(["r0:length", "r1:length", "r2:length", "r3:length"]);
    expect(seen).toContain("complete");
    expect(seen).toContain("end");
    assertNoTrackedEntries(builder, "legacy span builder");
    assertNoTrackedEntries(recorder, "legacy recorder");
    expect(builder.bufferedRecords + recorder.bufferedRecords).toBe(0);
  });

  it("is the no-op, reported once, when the provider fails while handing out its tracer", () => {
    const { seen, onError } = failures();
    const broken: TracerProvider = {
      getTracer: () => {
        throw new Error("no tracer today");
      },
    };
    expect(createLegacySpanBuilder({ tracerProvider: broken, onError })).toBe(
      NOOP_LEGACY_SPAN_BUILDER,
    );
    expect(seen).toEqual(["createLegacySpanBuilder"]);
  });

  it("still records FINISHED, from the last state it read, when the request view starts throwing", () => {
    const { seen, onError } = failures();
    const recorder = createLegacyJourneyRecorder({ onError });
    let broken = false;
    const request = testRequest({ requestId: "r", promptTokens: 4, maxTokens: 8 });
    const view = new Proxy(request, {
      get(target, property, receiver) {
        if (broken && property !== "requestId") throw new Error("view unreadable");
        return Reflect.get(target, property, receiver);
      },
    }) as CoreRequestView;
    recorder.requestAdded(view, 0);
    recorder.requestScheduled(view, 1);
    request.computedTokens = 4;
    request.outputTokens = 1;
    recorder.requestProgressed(view, 1);
    broken = true;
    expect(() => recorder.requestProgressed(view, 2)).not.toThrow();
    expect(() => recorder.requestPreempted(view, 2)).not.toThrow();
    expect(() => recorder.requestFinished("r", "error", 3)).not.toThrow();
    const records = recorder.drainStep()[0]?.records ?? [];
    expect(records.map((record) => record.type)).toEqual([
      "QUEUED",
      "SCHEDULED",
      "FIRST_TOKEN",
      "FINISHED",
    ]);
    expect(records[3]).toMatchObject({ finishStatus: "error", decodeDone: 1, prefillDone: 4 });
    expect(seen).toEqual(["requestProgressed", "requestPreempted", "requestFinished"]);
    assertNoTrackedEntries(recorder, "legacy recorder");
  });

  it("keeps recording legacy events in dual mode when the core tracer beside it throws", () => {
    const { seen, onError } = failures();
    const fail = () => {
      throw new Error("core broke");
    };
    const throwingCore: CoreJourneyTracer = {
      enabled: true,
      sampleRate: 1,
      requestAdded: fail,
      requestScheduled: fail,
      requestProgressed: fail,
      requestPreempted: fail,
      requestFinished: fail,
      stepFinished: fail,
      shutdown: fail,
      openJourneys: fail,
      closedByWatchdog: 0,
      activeSpans: 0,
      trackedEntries: 0,
    };
    const recorder = createLegacyJourneyRecorder();
    const hooks = dualJourneyTracer(throwingCore, recorder, { onError });
    const scheduler = new MiniScheduler(hooks, {
      maxRunning: 1,
      prefillChunk: 8,
      kvCapacityTokens: 99,
    });
    scheduler.add(testRequest({ requestId: "r", promptTokens: 8, maxTokens: 2 }));
    scheduler.add(testRequest({ requestId: "s", promptTokens: 8, maxTokens: 9 }));
    expect(() => {
      scheduler.runStep();
      scheduler.runStep();
      scheduler.shutdown();
    }).not.toThrow();
    const drained = recorder.drainStep();
    const types = drained.map((group) => group.records.map((r) => r.type).join(","));
    expect(types).toEqual(["QUEUED,SCHEDULED,FIRST_TOKEN,FINISHED", "QUEUED,FINISHED"]);
    const statuses = drained.map((group) => group.records.at(-1)?.finishStatus);
    expect(statuses).toEqual(["length", "aborted"]);
    expect(seen).toContain("requestFinished");
    expect(seen).toContain("shutdown");
    assertNoTrackedEntries(recorder, "legacy recorder");
  });

  it("drops and reports records that are not records, and still builds the span", () => {
    testing = createTestTracing();
    const { seen, onError } = failures();
    const builder = createLegacySpanBuilder({ tracerProvider: testing.provider, onError });
    const queued: LegacyJourneyRecord = {
      type: "QUEUED",
      ts: 1,
      step: 0,
      phase: "WAITING",
      prefillDone: 0,
      prefillTotal: 4,
      decodeDone: 0,
      decodeMax: 2,
      preemptions: 0,
    };
    builder.begin("r", { arrivalTime: 1 });
    const garbage = [null, 7, { type: "LAUNCHED", ts: 2 }, { type: "FINISHED", ts: "soon" }];
    builder.collect("r", [queued, ...(garbage as unknown as LegacyJourneyRecord[])]);
    expect(builder.bufferedRecords).toBe(1);
    expect(seen).toEqual(["collect"]);
    builder.complete("r", { status: "error", completedAt: 2 });
    const [span] = testing.spansNamed("llm_request");
    expect(span?.events.map((event) => event.name)).toEqual(["journey.QUEUED", "journey.FINISHED"]);
    expect(span?.attributes["gen_ai.latency.e2e"]).toBe(1);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(builder, "legacy span builder");
  });

  it("keeps one FINISHED, and no event after it, when a sender repeats it or sends more", () => {
    testing = createTestTracing();
    const builder = createLegacySpanBuilder({ tracerProvider: testing.provider });
    const base = { step: 0, phase: "WAITING" as const, prefillDone: 0, prefillTotal: 4 };
    const progress = { decodeDone: 0, decodeMax: 2, preemptions: 0 };
    builder.begin("r", { arrivalTime: 1 });
    builder.collect("r", [
      { type: "QUEUED", ts: 1, ...base, ...progress },
      { type: "FINISHED", ts: 2, finishStatus: "stopped", ...base, ...progress },
    ]);
    builder.collect("r", [
      { type: "FINISHED", ts: 3, finishStatus: "error", ...base, ...progress },
      { type: "SCHEDULED", ts: 4, scheduleKind: "FIRST", ...base, ...progress },
    ]);
    expect(builder.bufferedRecords).toBe(2);
    builder.complete("r", { completedAt: 5 });
    const [span] = testing.spansNamed("llm_request");
    expect(span?.events.map((event) => event.attributes?.["finish.status"] ?? event.name)).toEqual([
      "journey.QUEUED",
      "stopped",
    ]);
    assertNoTrackedEntries(builder, "legacy span builder");
  });

  it("caps a span at its event budget when a sender ignores it, keeping FINISHED and counting the rest", () => {
    testing = createTestTracing();
    const recorder = createLegacyJourneyRecorder();
    const builder = createLegacySpanBuilder({
      tracerProvider: testing.provider,
      maxEventsPerSpan: 3,
    });
    const request = testRequest({ requestId: "r", promptTokens: 4, maxTokens: 2 });
    builder.begin("r");
    recorder.requestAdded(request, 0);
    for (let step = 1; step <= 4; step++) {
      recorder.requestScheduled(request, step);
      request.preemptions++;
      recorder.requestPreempted(request, step);
    }
    recorder.requestFinished("r", "aborted", 5);
    builder.collectStep(recorder.drainStep());
    expect(builder.bufferedRecords).toBe(3);
    builder.complete("r");
    const [span] = testing.spansNamed("llm_request");
    expect(span?.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FINISHED",
    ]);
    expect(span?.events[2]?.attributes?.num_preemptions).toBe(4);
    expect(span?.attributes["journey.dropped_events"]).toBe(7);
    expect(span?.attributes["gen_ai.latency.time_in_model_inference"]).toBeGreaterThan(0);
  });
});
