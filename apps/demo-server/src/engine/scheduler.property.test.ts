import { CORE_SPAN_NAME, createCoreTracer, FINISH_STATUSES } from "@llm-journey/tracer-core";
import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ContinuousBatchingScheduler, type RequestOutput } from "./scheduler.js";

const testing = createTestTracing();
afterAll(() => testing.shutdown());

const shape = fc.record({
  maxNumSeqs: fc.integer({ min: 1, max: 6 }),
  maxNumBatchedTokens: fc.integer({ min: 1, max: 64 }),
  numKvBlocks: fc.integer({ min: 1, max: 24 }),
  blockSize: fc.integer({ min: 1, max: 8 }),
  injectEngineErrorRate: fc.constantFrom(0, 0.2, 1),
  seed: fc.nat(),
});

const request = fc.record({
  promptTokens: fc.integer({ min: 1, max: 80 }),
  maxTokens: fc.integer({ min: 1, max: 40 }),
  prompt: fc.string({ maxLength: 12 }),
  stop: fc.array(fc.constantFrom("lorem", "m d", "it", "", "zzz"), { maxLength: 2 }),
  sampled: fc.constantFrom("1", "0", undefined),
});

const command = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("add" as const), request }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("step" as const),
      // An abort that lands while the step's batch is being computed.
      abortDuring: fc.option(fc.nat(), { nil: undefined }),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ kind: fc.constant("abort" as const), pick: fc.nat() }), weight: 1 },
);

describe("scheduler lifecycle under random traffic", () => {
  it("finishes every request exactly once and leaves no span open and nothing tracked", () => {
    fc.assert(
      fc.property(
        shape,
        fc.array(command, { minLength: 1, maxLength: 80 }),
        fc.boolean(),
        (engineShape, commands, endWithShutdown) => {
          testing.reset();
          const misuse: unknown[] = [];
          // The engine core alone, without the API layer: the core samples on its own.
          const tracer = createCoreTracer({
            tracerProvider: testing.provider,
            sampleRate: 1,
            onError: (error) => misuse.push(error),
          });
          const scheduler = new ContinuousBatchingScheduler({ tracer, ...engineShape });
          const added: string[] = [];
          const finishes = new Map<string, RequestOutput[]>();
          const record = (output: RequestOutput | undefined) => {
            if (output?.finish === undefined) return;
            finishes.set(output.requestId, [...(finishes.get(output.requestId) ?? []), output]);
          };
          for (const next of commands) {
            if (next.kind === "add") {
              const requestId = `r${added.length}`;
              added.push(requestId);
              const { sampled, ...fields } = next.request;
              record(
                scheduler.add({
                  requestId,
                  ...fields,
                  traceHeaders: sampled === undefined ? {} : { "x-llm-journey-sampled": sampled },
                }),
              );
            } else if (next.kind === "step") {
              scheduler.scheduleStep();
              if (next.abortDuring !== undefined && added.length > 0) {
                record(scheduler.abort(added[next.abortDuring % added.length] as string));
              }
              for (const output of scheduler.completeStep().outputs) record(output);
            } else if (added.length > 0) {
              record(scheduler.abort(added[next.pick % added.length] as string));
            }
            const stats = scheduler.stats();
            expect(stats.kvBlocksUsed).toBeLessThanOrEqual(engineShape.numKvBlocks);
            expect(stats.running).toBeLessThanOrEqual(engineShape.maxNumSeqs);
            expect(tracer.trackedEntries).toBeLessThanOrEqual(stats.running + stats.waiting);
          }
          if (endWithShutdown) {
            for (const output of scheduler.shutdown()) record(output);
          } else {
            for (let i = 0; i < 20_000 && !scheduler.idle; i++) {
              for (const output of scheduler.runStep().outputs) record(output);
            }
          }

          expect(scheduler.idle).toBe(true);
          expect(scheduler.stats().kvBlocksUsed).toBe(0);
          for (const requestId of added) expect(finishes.get(requestId)).toHaveLength(1);
          testing.assertEverySpanEndedOnce();
          assertNoTrackedEntries(tracer);
          for (const span of testing.spansNamed(CORE_SPAN_NAME)) {
            const names = span.events.map((event) => event.name);
            expect(names[0]).toBe("journey.QUEUED");
            expect(names.filter((name) => name === "journey.FINISHED")).toHaveLength(1);
            const status = span.events.at(-1)?.attributes?.["finish.status"];
            expect(FINISH_STATUSES).toContain(status);
            const requestId = span.attributes["gen_ai.request.id"] as string;
            const finish = finishes.get(requestId)?.[0]?.finish;
            expect(finish?.status).toBe(status);
            // The core's own figures travel with the last output, for the API span.
            expect(finish?.latencies?.timeInQueue).toBe(
              span.attributes["gen_ai.latency.time_in_queue"],
            );
            expect(finish?.latencies?.prefill).toBe(
              span.attributes["gen_ai.latency.time_in_model_prefill"],
            );
          }
          // The engine updates its requests and calls the hooks in the documented order.
          expect(misuse).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
