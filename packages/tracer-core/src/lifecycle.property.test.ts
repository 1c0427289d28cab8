import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createCoreTracer } from "./create-core-tracer.js";
import {
  ReferenceScheduler,
  type SimulatedRequest,
  simulatedRequest,
} from "./examples/reference-scheduler.js";
import { HookMisuseError } from "./hook-misuse.js";
import { CORE_SPAN_NAME, FINISH_STATUSES } from "./journey-types.js";
import { STEP_SPAN_NAME } from "./step-types.js";
import { assertNoTrackedEntries, createTestTracing } from "./testing/index.js";

const testing = createTestTracing();
afterAll(() => testing.shutdown());

/** Every invariant of SPEC §2–§3 that one finished core span must satisfy. */
function expectWellFormedJourney(span: ReadableSpan): void {
  const names = span.events.map((event) => event.name);
  expect(names[0]).toBe("journey.QUEUED");
  expect(names.filter((name) => name === "journey.FINISHED")).toHaveLength(1);
  expect(names.at(-1)).toBe("journey.FINISHED");
  expect(names.filter((name) => name === "journey.FIRST_TOKEN").length).toBeLessThanOrEqual(1);
  const progress = span.events.map((event) => event.attributes?.["prefill.done_tokens"] as number);
  for (let i = 1; i < progress.length; i++) {
    expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1] as number);
  }
  const preemptions = names.filter((name) => name === "journey.PREEMPTED").length;
  expect(span.events.at(-1)?.attributes?.num_preemptions).toBe(preemptions);
}

/**
 * Whatever order the hooks came in, the span tells a possible story: a PREEMPTED only
 * while running, a RESUME only after a PREEMPTED, the first SCHEDULED a FIRST.
 */
function expectScheduleOrder(span: ReadableSpan): void {
  let running = false;
  let scheduledBefore = false;
  for (const event of span.events) {
    if (event.name === "journey.SCHEDULED") {
      expect(running).toBe(false);
      expect(event.attributes?.["schedule.kind"]).toBe(scheduledBefore ? "RESUME" : "FIRST");
      running = true;
      scheduledBefore = true;
    } else if (event.name === "journey.PREEMPTED") {
      expect(running).toBe(true);
      running = false;
    }
  }
}

const requestSpec = fc.record({
  promptTokens: fc.integer({ min: 1, max: 48 }),
  maxTokens: fc.integer({ min: 1, max: 24 }),
  stopAfter: fc.option(fc.integer({ min: 1, max: 24 }), { nil: undefined }),
  fails: fc.boolean(),
});

const command = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("add" as const), spec: requestSpec }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("step" as const) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant("abort" as const), pick: fc.nat() }), weight: 1 },
);

describe("core lifecycle under random scheduling", () => {
  it("ends every span once with one FINISHED and leaves no entry, whatever the interleaving", () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 60 }),
        fc.record({
          maxRunning: fc.integer({ min: 1, max: 6 }),
          tokenBudget: fc.integer({ min: 1, max: 32 }),
          kvCapacityTokens: fc.integer({ min: 8, max: 120 }),
        }),
        fc.boolean(),
        (commands, shape, endWithShutdown) => {
          testing.reset();
          const reports: unknown[] = [];
          const core = createCoreTracer({
            tracerProvider: testing.provider,
            steps: { sampleRate: 1 },
            onError: (error) => reports.push(error),
          });
          const failing = new Set<string>();
          const scheduler = new ReferenceScheduler(core, shape, (request) =>
            failing.has(request.requestId),
          );
          const added: SimulatedRequest[] = [];
          let finished = 0;
          let steps = 0;
          for (const next of commands) {
            if (next.kind === "add") {
              const request = simulatedRequest({
                requestId: `r${added.length}`,
                // As the API layer sends them: every request carries the decision.
                traceHeaders: { "x-llm-journey-sampled": "1" },
                ...next.spec,
              });
              if (next.spec.fails) failing.add(request.requestId);
              added.push(request);
              scheduler.add(request);
            } else if (next.kind === "step") {
              finished += scheduler.runStep().length;
              steps++;
            } else if (added.length > 0) {
              const target = added[next.pick % added.length] as SimulatedRequest;
              if (scheduler.abort(target.requestId)) finished++;
            }
            // Live state is exactly the requests still in the scheduler.
            expect(core.trackedEntries).toBe(added.length - finished);
          }
          if (endWithShutdown) scheduler.shutdown();
          else for (; steps < 2_000 && !scheduler.idle; steps++) scheduler.runStep();
          if (!scheduler.idle) scheduler.shutdown(); // a shape too small to ever fit a request

          const spans = testing.spansNamed(CORE_SPAN_NAME);
          expect(spans).toHaveLength(added.length);
          for (const span of spans) expectWellFormedJourney(span);
          // One step span per step, each link to the core span of the request it names.
          const coreSpanOf = new Map(
            spans.map((span) => [span.attributes["gen_ai.request.id"], span.spanContext().spanId]),
          );
          const stepSpans = testing.spansNamed(STEP_SPAN_NAME);
          expect(stepSpans).toHaveLength(steps);
          for (const step of stepSpans) {
            for (const link of step.links) {
              expect(coreSpanOf.get(link.attributes?.["gen_ai.request.id"])).toBe(
                link.context.spanId,
              );
            }
          }
          testing.assertEverySpanEndedOnce();
          assertNoTrackedEntries(core, "core");
          // A scheduler that calls the hooks as documented is never reported.
          expect(reports).toEqual([]);
        },
      ),
      { numRuns: 1_000 },
    );
    // A thousand runs, each step of each with its step span: seconds on a loaded machine.
  }, 60_000);

  it("survives hooks called in any order, for unknown ids, and twice", () => {
    const hook = fc.record({
      hook: fc.constantFrom("added", "scheduled", "progressed", "preempted", "finished"),
      id: fc.integer({ min: 0, max: 4 }),
      computed: fc.integer({ min: 0, max: 20 }),
      output: fc.integer({ min: 0, max: 5 }),
      status: fc.constantFrom(...FINISH_STATUSES),
    });
    fc.assert(
      fc.property(fc.array(hook, { maxLength: 80 }), (calls) => {
        testing.reset();
        const reports: unknown[] = [];
        const core = createCoreTracer({
          tracerProvider: testing.provider,
          onError: (error) => reports.push(error),
        });
        const views = new Map<number, SimulatedRequest>();
        const viewOf = (id: number) => {
          let view = views.get(id);
          if (view === undefined) {
            view = simulatedRequest({
              requestId: `r${id}`,
              promptTokens: 20,
              maxTokens: 5,
              traceHeaders: { "x-llm-journey-sampled": "1" },
            });
            views.set(id, view);
          }
          return view;
        };
        calls.forEach((call, step) => {
          const view = viewOf(call.id);
          view.computedTokens = call.computed;
          view.outputTokens = call.output;
          if (call.hook === "added") core.requestAdded(view, step);
          else if (call.hook === "scheduled") core.requestScheduled(view, step);
          else if (call.hook === "progressed") core.requestProgressed(view, step);
          else if (call.hook === "preempted") core.requestPreempted(view, step);
          // Either form of the cleanup call, mixed for the same request.
          else core.requestFinished(step % 2 === 0 ? view : view.requestId, call.status, step);
        });
        core.shutdown(calls.length);
        for (const span of testing.spansNamed(CORE_SPAN_NAME)) {
          const names = span.events.map((event) => event.name);
          expect(names.filter((name) => name === "journey.FINISHED")).toHaveLength(1);
          expect(names.filter((name) => name === "journey.FIRST_TOKEN").length).toBeLessThanOrEqual(
            1,
          );
          expectScheduleOrder(span);
        }
        testing.assertEverySpanEndedOnce();
        assertNoTrackedEntries(core, "core");
        // Out-of-order calls are reported, each kind once, and nothing else is.
        for (const report of reports) expect(report).toBeInstanceOf(HookMisuseError);
        const kinds = reports.map((report) => (report as HookMisuseError).kind);
        expect(new Set(kinds).size).toBe(kinds.length);
      }),
      { numRuns: 1_000 },
    );
  });
});
