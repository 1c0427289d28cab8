import { SAMPLED_HEADER } from "@llm-journey/context-propagation";
import { CORE_SPAN_NAME, createCoreTracer } from "@llm-journey/tracer-core";
import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import fc from "fast-check";
import type { LlamaContext } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LlamaGeneration } from "./generation.js";
import { createLlamaEngine } from "./llama-engine.js";
import { type LlamaFixture, loadLlamaFixture } from "./test-support/llama-fixture.js";

let fixture: LlamaFixture;
let context: LlamaContext;

beforeAll(async () => {
  fixture = await loadLlamaFixture();
  context = await fixture.context(2);
});
afterAll(() => fixture.dispose());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const arrival = fc.record({
  delayMs: fc.integer({ min: 0, max: 6 }),
  maxTokens: fc.integer({ min: 1, max: 6 }),
  traced: fc.boolean(),
  /** How the request is abandoned, if it is: its signal, its handle, or its reader. */
  abort: fc.option(
    fc.record({
      by: fc.constantFrom("signal", "handle", "reader"),
      afterMs: fc.integer({ min: 0, max: 12 }),
    }),
    { nil: undefined },
  ),
});

describe("the engine's cleanup over random arrivals and aborts, on real llama.cpp", () => {
  it("ends every span once and holds nothing once every request is done or the engine closed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arrival, { minLength: 1, maxLength: 7 }),
        fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
        async (arrivals, closeAfterMs) => {
          await expect.poll(() => context.sequencesLeft).toBe(2);
          const testing = createTestTracing();
          const tracer = createCoreTracer({
            tracerProvider: testing.provider,
            steps: { sampleRate: 1 },
            onError: () => {},
          });
          const engine = await createLlamaEngine({ context, tracer });
          const generations: LlamaGeneration[] = [];
          const readers: Promise<void>[] = [];
          const closing =
            closeAfterMs === undefined ? undefined : sleep(closeAfterMs).then(() => engine.close());
          for (const [i, request] of arrivals.entries()) {
            await sleep(request.delayMs);
            if (engine.closed) break;
            const controller = new AbortController();
            const generation = engine.submit({
              requestId: `p${i}`,
              prompt: `arrival ${i}`,
              maxTokens: request.maxTokens,
              traceHeaders: { [SAMPLED_HEADER]: request.traced ? "1" : "0" },
              signal: controller.signal,
            });
            generations.push(generation);
            const abort = request.abort;
            readers.push(
              (async () => {
                const stopAt = abort ? performance.now() + abort.afterMs : Number.POSITIVE_INFINITY;
                if (abort?.by === "signal") setTimeout(() => controller.abort(), abort.afterMs);
                if (abort?.by === "handle") setTimeout(() => generation.abort(), abort.afterMs);
                for await (const _ of generation) {
                  if (abort?.by === "reader" && performance.now() >= stopAt) break;
                }
              })(),
            );
          }
          await Promise.all(readers);
          const results = await Promise.all(generations.map((generation) => generation.done));
          await (closing ?? engine.close());

          expect(
            results.map((result) => result.status).filter((status) => status === "error"),
          ).toEqual([]);
          expect(engine.trackedEntries).toBe(0);
          assertNoTrackedEntries(tracer, "core");
          expect(testing.openSpanCount()).toBe(0);
          testing.assertEverySpanEndedOnce();
          const spans = testing.spansNamed(CORE_SPAN_NAME);
          const tracedResults = results.filter((_, i) => arrivals[i]?.traced);
          expect(spans).toHaveLength(tracedResults.length);
          for (const result of tracedResults) {
            const span = spans.find((s) => s.attributes["gen_ai.request.id"] === result.requestId);
            const finished = span?.events.filter((event) => event.name === "journey.FINISHED");
            expect(finished?.map((event) => event.attributes?.["finish.status"])).toEqual([
              result.status,
            ]);
          }
          await testing.shutdown();
        },
      ),
      { numRuns: 30 },
    );
  });
});
