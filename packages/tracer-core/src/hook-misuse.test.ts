import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CoreJourneyTracer } from "./core-tracer.js";
import { createCoreTracer } from "./create-core-tracer.js";
import { type SimulatedRequest, simulatedRequest } from "./examples/reference-scheduler.js";
import { HookMisuseError, type HookMisuseKind } from "./hook-misuse.js";
import { CORE_SPAN_NAME, type FinishStatus } from "./journey-types.js";
import { assertNoTrackedEntries, createTestTracing, type TestTracing } from "./testing/index.js";
import { createRateLimitedErrorHandler } from "./tracing-error-reporter.js";

const TRACED = { "x-llm-journey-sampled": "1" };
const NOT_TRACED = { "x-llm-journey-sampled": "0" };

let testing: TestTracing;
let reports: { error: unknown; operation: string }[];
let core: CoreJourneyTracer;

beforeEach(() => {
  testing = createTestTracing();
  reports = [];
  core = createCoreTracer({
    tracerProvider: testing.provider,
    onError: (error, operation) => reports.push({ error, operation }),
  });
});
afterEach(() => testing.shutdown());

function request(requestId: string, traceHeaders: Record<string, string> = TRACED) {
  return simulatedRequest({ requestId, promptTokens: 4, maxTokens: 4, traceHeaders });
}

/** The misuse reports so far, as `operation kind`. */
function reported(): string[] {
  return reports.map(({ error, operation }) => {
    expect(error).toBeInstanceOf(HookMisuseError);
    return `${operation} ${(error as HookMisuseError).kind}`;
  });
}

function messageOf(kind: HookMisuseKind): string {
  const report = reports.find(({ error }) => (error as HookMisuseError).kind === kind);
  return report === undefined ? `no ${kind} report` : (report.error as Error).message;
}

function onlySpan(): ReadableSpan {
  const spans = testing.spansNamed(CORE_SPAN_NAME);
  expect(spans).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

function eventsOf(span: ReadableSpan): string[] {
  return span.events.map((event) => {
    const kind = event.attributes?.["schedule.kind"];
    return kind === undefined ? event.name : `${event.name} ${String(kind)}`;
  });
}

function finishCleanly(view: SimulatedRequest, step: number): ReadableSpan {
  core.requestFinished(view, "stopped", step);
  testing.assertEverySpanEndedOnce();
  assertNoTrackedEntries(core, "core");
  return onlySpan();
}

describe("hooks called out of order", () => {
  it("reports a PREEMPTED before any SCHEDULED and leaves it out of the journey", () => {
    const r = request("r1");
    core.requestAdded(r, 0);
    r.preemptions = 1;
    core.requestPreempted(r, 1);
    expect(reported()).toEqual(["requestPreempted preempted-while-not-running"]);
    expect(messageOf("preempted-while-not-running")).toContain("request r1");
    core.requestScheduled(r, 2);
    expect(eventsOf(finishCleanly(r, 3))).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED FIRST",
      "journey.FINISHED",
    ]);
  });

  it("reports a SCHEDULED for a running request instead of recording a RESUME without a preemption", () => {
    const r = request("r1");
    core.requestAdded(r, 0);
    core.requestScheduled(r, 1);
    core.requestScheduled(r, 2); // an engine calling it on every step
    core.requestScheduled(r, 3);
    expect(reported()).toEqual(["requestScheduled scheduled-while-running"]);
    r.preemptions = 1;
    core.requestPreempted(r, 4);
    core.requestScheduled(r, 5);
    expect(eventsOf(finishCleanly(r, 6))).toEqual([
      "journey.QUEUED",
      "journey.SCHEDULED FIRST",
      "journey.PREEMPTED",
      "journey.SCHEDULED RESUME",
      "journey.FINISHED",
    ]);
  });

  it("reports hooks for a request the API layer traces but that was never added", () => {
    const lost = request("lost");
    core.requestScheduled(lost, 1); // no journey at all in flight
    const other = request("other");
    core.requestAdded(other, 1);
    core.requestProgressed(lost, 2); // and with one in flight: still one report
    core.requestPreempted(lost, 2);
    expect(reported()).toEqual(["requestScheduled unknown-request"]);
    expect(messageOf("unknown-request")).toContain("request lost");
    expect(messageOf("unknown-request")).toContain("requestAdded");
    finishCleanly(other, 3);
  });

  it("reports a hook after requestFinished, but not a second requestFinished", () => {
    const r = request("r1");
    core.requestAdded(r, 0);
    core.requestFinished(r, "stopped", 1);
    core.requestFinished(r, "aborted", 2);
    core.requestFinished("r1", "aborted", 2);
    expect(reported()).toEqual([]);
    core.requestProgressed(r, 3);
    core.requestScheduled(r, 3);
    expect(reported()).toEqual(["requestScheduled unknown-request"]);
  });

  it("records a finish status outside the five as error, reports it, and still cleans up", () => {
    const r = request("r1");
    core.requestAdded(r, 0);
    core.requestFinished(r, "finished_stopped" as FinishStatus, 1);
    expect(reported()).toEqual(["requestFinished invalid-finish-status"]);
    expect(messageOf("invalid-finish-status")).toContain("finished_stopped");
    const span = onlySpan();
    expect(span.events.at(-1)?.attributes?.["finish.status"]).toBe("error");
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(core, "core");
  });
});

describe("a preemption counter raised after the hook", () => {
  it("still gives PREEMPTED and FINISHED the true count, and is reported once", () => {
    const r = request("r1");
    core.requestAdded(r, 0);
    for (let i = 1; i <= 2; i++) {
      core.requestScheduled(r, 2 * i - 1);
      core.requestPreempted(r, 2 * i); // the engine raises its counter only afterwards
      r.preemptions++;
    }
    core.requestScheduled(r, 5);
    expect(reported()).toEqual(["requestPreempted stale-preemption-count"]);
    const span = finishCleanly(r, 6);
    const counts = span.events
      .filter((event) => event.name === "journey.PREEMPTED")
      .map((event) => event.attributes?.num_preemptions);
    expect(counts).toEqual([1, 2]);
    expect(span.events.at(-1)?.attributes?.num_preemptions).toBe(2);
    expect(span.attributes.num_preemptions).toBe(2);
  });

  it("is not reported when the counter is raised first, as documented", () => {
    const r = request("r1");
    core.requestAdded(r, 0);
    core.requestScheduled(r, 1);
    r.preemptions++;
    core.requestPreempted(r, 2);
    core.requestScheduled(r, 3);
    expect(finishCleanly(r, 4).events.at(-1)?.attributes?.num_preemptions).toBe(1);
    expect(reported()).toEqual([]);
  });
});

describe("requests without the API layer's headers", () => {
  it("are reported once when the core's rate was left at its default", () => {
    for (const id of ["a", "b", "c"]) {
      const r = simulatedRequest({ requestId: id, promptTokens: 2, maxTokens: 2 });
      core.requestAdded(r, 0);
      core.requestFinished(r, "stopped", 1);
    }
    expect(reported()).toEqual(["requestAdded missing-trace-headers"]);
    expect(messageOf("missing-trace-headers")).toContain("handle.coreHeaders");
    // Still traced, as before: the report explains, it does not change the decision.
    expect(testing.spansNamed(CORE_SPAN_NAME)).toHaveLength(3);
  });

  it("are not reported when the operator chose the core's rate, at creation or later", () => {
    const chosen = createCoreTracer({
      tracerProvider: testing.provider,
      sampleRate: 1,
      onError: (error, operation) => reports.push({ error, operation }),
    });
    chosen.requestAdded(simulatedRequest({ requestId: "a", promptTokens: 2, maxTokens: 2 }), 0);
    core.sampleRate = 1;
    core.requestAdded(simulatedRequest({ requestId: "b", promptTokens: 2, maxTokens: 2 }), 0);
    core.requestAdded(request("c"), 0);
    expect(reported()).toEqual([]);
    chosen.shutdown(1);
    core.shutdown(1);
  });
});

describe("misuse reporting", () => {
  it("never costs a request the API layer sampled out a report or an entry", () => {
    const out = request("out", NOT_TRACED);
    core.requestScheduled(out, 1);
    core.requestPreempted(out, 1);
    core.requestProgressed(out, 1);
    core.requestFinished(out, "bogus" as FinishStatus, 1);
    expect(reports).toEqual([]);
    expect(testing.finishedSpans()).toHaveLength(0);
    assertNoTrackedEntries(core, "core");
  });

  it("never throws into the engine, even when onError does", () => {
    const throwing = createCoreTracer({
      tracerProvider: testing.provider,
      onError: () => {
        throw new Error("handler down");
      },
    });
    const r = request("r1");
    expect(() => {
      throwing.requestPreempted(r, 0);
      throwing.requestAdded(simulatedRequest({ requestId: "x", promptTokens: 1, maxTokens: 1 }), 0);
      throwing.requestAdded(r, 0);
      throwing.requestPreempted(r, 1);
      throwing.requestFinished(r, "nope" as FinishStatus, 2);
    }).not.toThrow();
    throwing.shutdown(3);
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(throwing, "core");
  });

  it("is logged by the default handler even right after another failure was", () => {
    const lines: string[] = [];
    const handler = createRateLimitedErrorHandler({ log: (line) => lines.push(line) });
    handler(new Error("export refused"), "export");
    handler(new Error("export refused"), "export");
    handler(
      new HookMisuseError("unknown-request", "requestScheduled for request r"),
      "requestScheduled",
    );
    expect(lines).toEqual([
      "[llm-journey] tracing failed in export: Error: export refused",
      "[llm-journey] requestScheduled misused: requestScheduled for request r",
    ]);
  });
});
