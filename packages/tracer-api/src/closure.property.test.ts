import { assertNoTrackedEntries, createTestTracing } from "@llm-journey/tracer-core/testing";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ABORT_REASONS, JourneyError } from "./abort-reason.js";
import { createApiTracer } from "./create-api-tracer.js";
import type { JourneyHandle } from "./journey-handle.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";
import { tracePromise } from "./trace-promise.js";
import { traceStream } from "./trace-stream.js";

const testing = createTestTracing();
afterAll(() => testing.shutdown());

/** What one source does at each step: give a chunk, fail, or wait until the client leaves. */
const sourceStep = fc.oneof(
  { arbitrary: fc.constant({ kind: "chunk" as const }), weight: 6 },
  {
    arbitrary: fc.record({
      kind: fc.constant("fail" as const),
      reason: fc.constantFrom(...ABORT_REASONS, undefined),
    }),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: "wait-for-disconnect" as const }), weight: 1 },
);

const scenario = fc.record({
  streaming: fc.boolean(),
  steps: fc.array(sourceStep, { maxLength: 8 }),
  /** The consumer stops after this many chunks (streams only). */
  readAtMost: fc.option(fc.nat({ max: 8 }), { nil: undefined }),
  /** The client disconnects after this many microtask turns. */
  disconnectAfter: fc.option(fc.nat({ max: 12 }), { nil: undefined }),
  timeoutMs: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Sources started and not yet through their `finally`: the engine work still running. */
let runningSources = 0;

async function* source(steps: Scenario["steps"], signal: AbortSignal): AsyncGenerator<number> {
  runningSources++;
  try {
    let index = 0;
    for (const step of steps) {
      await Promise.resolve();
      if (step.kind === "fail") {
        throw step.reason ? new JourneyError(step.reason, "injected") : new Error("injected");
      }
      if (step.kind === "wait-for-disconnect") {
        // Like an engine that is told to stop when the client leaves.
        if (!signal.aborted)
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return;
      }
      yield index++;
    }
  } finally {
    runningSources--;
  }
}

/** How a request ended for its consumer: the chunks it read, and `ok` or the error's reason. */
async function run(handle: JourneyHandle, s: Scenario): Promise<string> {
  const client = new AbortController();
  const turns = s.disconnectAfter ?? 0;
  // Every scenario ends: a source waiting for the client always gets its disconnect.
  const disconnect = (async () => {
    for (let i = 0; i < turns; i++) await Promise.resolve();
    if (
      s.disconnectAfter !== undefined ||
      s.steps.some((step) => step.kind === "wait-for-disconnect")
    ) {
      client.abort();
    }
  })();
  let read = 0;
  let outcome = "ok";
  try {
    if (s.streaming) {
      for await (const _chunk of traceStream(handle, source(s.steps, client.signal), {
        signal: client.signal,
      })) {
        if (s.readAtMost !== undefined && ++read >= s.readAtMost) break;
      }
    } else {
      const collect = async () => {
        const all: number[] = [];
        for await (const chunk of source(s.steps, client.signal)) all.push(chunk);
        return all;
      };
      await tracePromise(handle, collect, {
        signal: client.signal,
        ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
      });
    }
  } catch (error) {
    // Failures are the point: the journey must be closed all the same.
    outcome = error instanceof JourneyError ? error.reason : "error";
  }
  await disconnect;
  return `${read} ${outcome}`;
}

describe("API closure under random interleavings", () => {
  it("ends every llm_request span exactly once with exactly one terminal event", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(scenario, { minLength: 1, maxLength: 6 }), async (scenarios) => {
        testing.reset();
        runningSources = 0;
        const api = createApiTracer({ tracerProvider: testing.provider });
        await Promise.all(
          scenarios.map((s, i) => run(api.startJourney({ requestId: `r${i}` }), s)),
        );
        const spans = testing.spansNamed("llm_request");
        expect(spans).toHaveLength(scenarios.length);
        for (const span of spans) {
          const names = span.events.map((event) => event.name);
          const terminal = names.filter(
            (name) => name === "api.DEPARTED" || name === "api.ABORTED",
          );
          expect(terminal).toHaveLength(1);
          expect(names.at(-1)).toBe(terminal[0]);
          expect(
            names.filter((name) => name === "api.FIRST_RESPONSE_FROM_CORE").length,
          ).toBeLessThanOrEqual(1);
        }
        testing.assertEverySpanEndedOnce();
        assertNoTrackedEntries(api, "api");
        // Whatever ended each stream (its end, a failure, the consumer leaving, the
        // signal), every source was told to stop and ran its finally.
        await new Promise((resolve) => setTimeout(resolve, 0));
        expect(runningSources).toBe(0);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it("ends every request the same way for its consumer, traced or sampled out", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        testing.reset();
        const api = createApiTracer({ tracerProvider: testing.provider });
        const traced = await run(api.startJourney({ requestId: "r" }), s);
        const untraced = await run(NOOP_JOURNEY_HANDLE, s);
        expect(traced).toBe(untraced);
        expect(testing.spansNamed("llm_request")).toHaveLength(1);
        assertNoTrackedEntries(api, "api");
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
