import { createTestTracing } from "@llm-journey/tracer-core/testing";
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { createLegacyJourneyRecorder, createLegacySpanBuilder } from "./index.js";
import { DualModeHarness, spanOf } from "./test-support/dual-mode-harness.js";
import { type LoopShape, testRequest } from "./test-support/mini-scheduler.js";

const ROOMY: LoopShape = { maxRunning: 8, prefillChunk: 64, kvCapacityTokens: 10_000 };

let harness: DualModeHarness;
afterEach(() => harness.testing.shutdown());

/** Legacy mode: the buffered path alone, as before Phase 1. */
function legacyOnly(options: Partial<ConstructorParameters<typeof DualModeHarness>[0]> = {}) {
  harness = new DualModeHarness({ shape: ROOMY, dual: false, ...options });
  return harness;
}

function finishedStatuses(span: ReadableSpan): unknown[] {
  return span.events
    .filter((event) => event.name === "journey.FINISHED")
    .map((event) => event.attributes?.["finish.status"]);
}

function expectOneLegacySpan(requestId: string, status: string): ReadableSpan {
  const span = spanOf(harness.legacySpans(), requestId);
  expect(finishedStatuses(span)).toEqual([status]);
  expect(span.events.at(-1)?.name).toBe("journey.FINISHED");
  expect(span.events[0]?.name).toBe("journey.QUEUED");
  return span;
}

describe("legacy termination paths: one span, nothing left behind", () => {
  it("builds the span once with finish.status=stopped when a stop sequence matches", () => {
    legacyOnly().submit(
      testRequest({ requestId: "r", promptTokens: 10, maxTokens: 50, stopAfter: 3 }),
    );
    harness.runToIdle();
    const span = expectOneLegacySpan("r", "stopped");
    expect(span.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FIRST_TOKEN",
      "journey.FINISHED",
    ]);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(harness.coreSpans()).toHaveLength(0);
    harness.assertNothingLeft();
  });

  it("builds the span once with finish.status=length at max_tokens", () => {
    legacyOnly().submit(testRequest({ requestId: "r", promptTokens: 10, maxTokens: 4 }));
    harness.runToIdle();
    const finished = expectOneLegacySpan("r", "length").events.at(-1);
    expect(finished?.attributes?.["decode.done_tokens"]).toBe(4);
    expect(finished?.attributes?.["decode.max_tokens"]).toBe(4);
    harness.assertNothingLeft();
  });

  it("builds the span once with finish.status=aborted and ERROR on an abort, waiting or running", () => {
    legacyOnly({ shape: { ...ROOMY, maxRunning: 1 } });
    harness.submit(testRequest({ requestId: "running", promptTokens: 10, maxTokens: 100 }));
    harness.submit(testRequest({ requestId: "waiting", promptTokens: 10, maxTokens: 100 }));
    harness.step();
    harness.abort("running");
    harness.abort("waiting");
    harness.abort("waiting"); // a second abort is harmless
    for (const id of ["running", "waiting"]) {
      const span = expectOneLegacySpan(id, "aborted");
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "aborted" });
    }
    expect(harness.legacySpans()).toHaveLength(2);
    harness.assertNothingLeft();
  });

  it("builds the span once with finish.status=error and ERROR when the completion path throws", () => {
    legacyOnly({ failsInCompletion: (request) => request.outputTokens >= 2 });
    harness.submit(testRequest({ requestId: "r", promptTokens: 10, maxTokens: 50 }));
    harness.runToIdle();
    expect(expectOneLegacySpan("r", "error").status.code).toBe(SpanStatusCode.ERROR);
    harness.assertNothingLeft();
  });

  it("builds every in-flight span with finish.status=aborted on engine and server shutdown", () => {
    legacyOnly({ shape: { ...ROOMY, maxRunning: 2 } });
    for (const id of ["a", "b", "c"]) {
      harness.submit(testRequest({ requestId: id, promptTokens: 10, maxTokens: 100 }));
    }
    harness.step();
    expect(harness.recorder.trackedEntries).toBe(3);
    expect(harness.builder.trackedEntries).toBe(3);
    harness.shutdown();
    for (const id of ["a", "b", "c"]) expectOneLegacySpan(id, "aborted");
    harness.assertNothingLeft();
  });

  it("builds the span with a FINISHED of its own when the output side gives up before the engine answers", () => {
    // A client disconnect or a timeout: the server completes the request at once; the
    // engine's FINISHED arrives later and must neither build a second span nor leak.
    legacyOnly();
    harness.submit(testRequest({ requestId: "r", promptTokens: 10, maxTokens: 100 }));
    harness.step();
    harness.builder.complete("r", { status: "aborted", error: new Error("client went away") });
    harness.scheduler.abort("r");
    harness.ship();
    const span = expectOneLegacySpan("r", "aborted");
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "Error: client went away",
    });
    const [, , firstToken, finished] = span.events;
    expect(firstToken?.name).toBe("journey.FIRST_TOKEN");
    expect(finished?.attributes?.["decode.done_tokens"]).toBe(1);
    expect(finished?.attributes?.["scheduler.step"]).toBe(1);
    harness.assertNothingLeft();
  });

  it("builds nothing and keeps nothing when the request ends before its records reach the output side", () => {
    legacyOnly();
    harness.submit(testRequest({ requestId: "r", promptTokens: 10, maxTokens: 100 }));
    harness.builder.complete("r", { status: "aborted" });
    harness.scheduler.abort("r");
    harness.ship(); // QUEUED and FINISHED arrive late: dropped, not a new entry
    expect(harness.legacySpans()).toHaveLength(0);
    harness.assertNothingLeft();
  });

  it("treats a second complete, and a second requestFinished, as no-ops", () => {
    legacyOnly();
    harness.submit(testRequest({ requestId: "r", promptTokens: 4, maxTokens: 1 }));
    harness.runToIdle();
    harness.recorder.requestFinished("r", "error", 99);
    harness.ship();
    harness.builder.complete("r", { status: "error" });
    harness.builder.complete("r");
    expectOneLegacySpan("r", "length");
    expect(harness.legacySpans()).toHaveLength(1);
    harness.assertNothingLeft();
  });

  it("leaves every buffer and record empty after a burst of mixed requests with aborts, in legacy and dual mode", () => {
    for (const dual of [false, true]) {
      harness = new DualModeHarness({
        shape: { maxRunning: 3, prefillChunk: 6, kvCapacityTokens: 50 },
        dual,
        failsInCompletion: (request) => request.requestId.endsWith("7"),
      });
      for (let i = 0; i < 40; i++) {
        harness.submit(
          testRequest({
            requestId: `r${i}`,
            promptTokens: 4 + ((i * 7) % 20),
            maxTokens: 2 + ((i * 5) % 11),
            stopAfter: i % 3 === 0 ? 3 : undefined,
          }),
        );
        if (i % 4 === 0) harness.step();
        if (i % 5 === 2) harness.abort(`r${i - 1}`);
      }
      harness.runToIdle();
      expect(harness.legacySpans()).toHaveLength(40);
      expect(harness.coreSpans()).toHaveLength(dual ? 40 : 0);
      for (const span of harness.legacySpans()) expect(finishedStatuses(span)).toHaveLength(1);
      harness.assertNothingLeft();
      void harness.testing.shutdown();
    }
  });
});

describe("per-client buffers", () => {
  it("drains one client's records, grouped per request in order, and leaves the others", () => {
    const recorder = createLegacyJourneyRecorder({
      clientOf: (request) => (request.requestId.startsWith("a") ? "api-a" : "api-b"),
    });
    const a1 = testRequest({ requestId: "a1", promptTokens: 4, maxTokens: 2 });
    const b1 = testRequest({ requestId: "b1", promptTokens: 4, maxTokens: 2 });
    const a2 = testRequest({ requestId: "a2", promptTokens: 4, maxTokens: 2 });
    recorder.requestAdded(a1, 0);
    recorder.requestAdded(b1, 0);
    recorder.requestAdded(a2, 0);
    recorder.requestScheduled(a1, 1);
    expect(recorder.bufferedRecords).toBe(4);

    const forA = recorder.drainStep("api-a");
    expect(forA.map((group) => [group.requestId, group.records.map((r) => r.type)])).toEqual([
      ["a1", ["QUEUED", "SCHEDULED"]],
      ["a2", ["QUEUED"]],
    ]);
    expect(recorder.bufferedRecords).toBe(1);
    expect(recorder.drainStep("api-a")).toEqual([]);
    expect(recorder.drainStep().map((group) => group.requestId)).toEqual(["b1"]);
    expect(recorder.bufferedRecords).toBe(0);

    recorder.shutdown(2);
    expect(recorder.trackedEntries).toBe(0);
    expect(recorder.bufferedRecords).toBe(3);
    expect(
      recorder.drainStep().flatMap((group) => group.records.map((r) => r.finishStatus)),
    ).toEqual(["aborted", "aborted", "aborted"]);
    expect(recorder.bufferedRecords).toBe(0);
  });

  it("ships records as plain data: they survive a JSON round trip to another process", () => {
    const testing = createTestTracing();
    const recorder = createLegacyJourneyRecorder();
    const builder = createLegacySpanBuilder({ tracerProvider: testing.provider });
    const request = testRequest({ requestId: "r", promptTokens: 4, maxTokens: 2 });
    builder.begin("r");
    recorder.requestAdded(request, 0);
    recorder.requestScheduled(request, 1);
    recorder.requestFinished("r", "stopped", 1);
    builder.collectStep(JSON.parse(JSON.stringify(recorder.drainStep())));
    builder.complete("r");
    const [span] = testing.spansNamed("llm_request");
    expect(span?.events.map((event) => event.name)).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED",
      "journey.FINISHED",
    ]);
    expect(span?.events[2]?.attributes?.["finish.status"]).toBe("stopped");
    testing.assertEverySpanEndedOnce();
    void testing.shutdown();
  });
});
