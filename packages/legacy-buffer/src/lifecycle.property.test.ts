import { FINISH_STATUSES } from "@llm-journey/tracer-core";
import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import { trace } from "@opentelemetry/api";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  createLegacyJourneyRecorder,
  createLegacySpanBuilder,
  type LegacyJourneyRecord,
} from "./index.js";
import { type TestRequest, testRequest } from "./test-support/mini-scheduler.js";

const testing = createTestTracing();
afterAll(() => {
  trace.disable();
  return testing.shutdown();
});

const pick = fc.nat();
const command = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("add" as const),
      promptTokens: fc.integer({ min: 1, max: 30 }),
      maxTokens: fc.integer({ min: 1, max: 20 }),
      sampled: fc.constantFrom(undefined, "1", "0"),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("schedule" as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("progress" as const),
      pick,
      computed: fc.integer({ min: 0, max: 30 }),
      tokens: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("preempt" as const), pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("finish" as const),
      pick,
      status: fc.constantFrom(...FINISH_STATUSES),
    }),
  },
  // The output side gives up first (disconnect, timeout): it completes before the engine.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("abort" as const), pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("drain" as const) }) },
);

describe("legacy lifecycle under random interleavings", () => {
  it("puts every request's collected records in exactly one span with one FINISHED, and keeps nothing", () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 2, max: 10 }),
        fc.boolean(),
        // null: the builder is given its provider. Otherwise it is created on the global
        // one before an SDK is registered there, which happens after command n modulo
        // (commands + 1): possibly at once, half-way, or never.
        fc.option(fc.nat()),
        (commands, maxEventsPerSpan, engineShutsDown, lateBy) => {
          testing.reset();
          trace.disable();
          const registeredAfter = lateBy === null ? null : lateBy % (commands.length + 1);
          const recorder = createLegacyJourneyRecorder({ maxEventsPerSpan });
          const builder = createLegacySpanBuilder({
            tracerProvider: registeredAfter === null ? testing.provider : undefined,
            maxEventsPerSpan,
            onError: () => {},
          });
          let registered = registeredAfter === null;
          const requests: TestRequest[] = [];
          const sampledOut = new Set<string>();
          // The oracle: which requests the output side holds, and what reached it while open.
          const open = new Set<string>();
          const collected = new Map<string, LegacyJourneyRecord[]>();
          const shipped = new Map<string, LegacyJourneyRecord[]>();
          let step = 0;

          const ship = () => {
            const drained = structuredClone(recorder.drainStep());
            builder.collectStep(drained);
            for (const { requestId, records } of drained) {
              shipped.set(requestId, [...(shipped.get(requestId) ?? []), ...records]);
              if (open.has(requestId)) {
                collected.set(requestId, [...(collected.get(requestId) ?? []), ...records]);
              }
            }
            // The final output arrived: the output side completes the request.
            for (const { requestId, records } of drained) {
              if (records.some((record) => record.type === "FINISHED")) {
                builder.complete(requestId);
                open.delete(requestId);
              }
            }
          };
          const target = (index: number) => requests[index % requests.length] as TestRequest;

          for (const next of commands) {
            if (step === registeredAfter) {
              trace.setGlobalTracerProvider(testing.provider);
              registered = true;
            }
            step++;
            if (next.kind === "add") {
              const requestId = `r${requests.length}`;
              const request = testRequest({
                requestId,
                promptTokens: next.promptTokens,
                maxTokens: next.maxTokens,
                traceHeaders:
                  next.sampled === undefined ? {} : { "x-llm-journey-sampled": next.sampled },
              });
              requests.push(request);
              if (next.sampled === "0") sampledOut.add(requestId);
              // Begun before the SDK is registered: the output side keeps nothing for it.
              else if (registered) open.add(requestId);
              builder.begin(requestId, { traceHeaders: request.traceHeaders });
              recorder.requestAdded(request, step);
            } else if (next.kind === "drain") {
              ship();
            } else if (requests.length > 0) {
              const request = target(next.pick);
              if (next.kind === "schedule") recorder.requestScheduled(request, step);
              else if (next.kind === "progress") {
                request.computedTokens = Math.min(next.computed, request.promptTokens);
                request.outputTokens += next.tokens;
                recorder.requestProgressed(request, step);
              } else if (next.kind === "preempt") {
                request.computedTokens = 0;
                request.preemptions++;
                recorder.requestPreempted(request, step);
              } else if (next.kind === "finish") {
                recorder.requestFinished(request.requestId, next.status, step);
              } else {
                builder.complete(request.requestId, { status: "aborted" });
                open.delete(request.requestId);
              }
            }
            expect(builder.trackedEntries).toBe(open.size);
          }
          if (engineShutsDown) recorder.shutdown(step);
          else
            for (const request of requests)
              recorder.requestFinished(request.requestId, "aborted", step);
          ship();
          builder.shutdown();

          const spans = testing.spansNamed("llm_request");
          for (const request of requests) {
            const id = request.requestId;
            const mine = spans.filter((span) => span.attributes["gen_ai.request.id"] === id);
            const records = collected.get(id) ?? [];
            const all = shipped.get(id) ?? [];
            if (sampledOut.has(id)) expect(all, id).toHaveLength(0);
            // The recorder ships exactly one FINISHED per traced request.
            expect(all.filter((record) => record.type === "FINISHED").length).toBe(
              all.length > 0 ? 1 : 0,
            );
            expect(mine, id).toHaveLength(records.length > 0 ? 1 : 0);
            const span = mine[0];
            if (span === undefined) continue;
            const names = span.events.map((event) => event.name);
            expect(
              names.filter((name) => name === "journey.FINISHED"),
              id,
            ).toHaveLength(1);
            expect(names.at(-1)).toBe("journey.FINISHED");
            expect(span.events.length).toBeLessThanOrEqual(maxEventsPerSpan);
            // Every collected record is on the span, in order, at its own time; a FINISHED
            // is added only when the output side completed before the engine's arrived.
            const times = span.events.map((event) => event.attributes?.["ts.monotonic"]);
            const hasFinished = records.some((record) => record.type === "FINISHED");
            expect(hasFinished ? times : times.slice(0, -1)).toEqual(records.map((r) => r.ts));
          }
          testing.assertEverySpanEndedOnce();
          assertNoTrackedEntries(recorder, "legacy recorder");
          assertNoTrackedEntries(builder, "legacy span builder");
          expect(recorder.bufferedRecords).toBe(0);
          expect(builder.bufferedRecords).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
