import { createThrowingTracerProvider } from "@llm-journey/tracer-core/testing";
import type { Tracer, TracerProvider } from "@opentelemetry/api";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from "vitest";
import type { JourneySpan } from "../../src/engine/engine-contract.js";
import { EngineHost } from "../../src/engine/engine-host.js";
import { resolveEngineOptions } from "../../src/engine/engine-options.js";
import type { FromEngineMessage } from "../../src/engine/engine-protocol.js";
import { FAST_STEP_TIME } from "../../src/engine/step-time-model.js";
import { gaugeValue, startTestServer, type TestServer } from "../support/test-server.js";

/**
 * The tracer-core throwing provider, counting the spans it starts: a test that passes it
 * can tell a server that used it from one that silently ignored it.
 */
function countedThrowingProvider(): { provider: TracerProvider; started: () => number } {
  const throwing = createThrowingTracerProvider();
  let started = 0;
  const provider: TracerProvider = {
    getTracer(name, version, options) {
      const tracer = throwing.getTracer(name, version, options);
      const counted: Tracer = {
        startSpan: (spanName, spanOptions, context) => {
          started++;
          return tracer.startSpan(spanName, spanOptions, context);
        },
        startActiveSpan: tracer.startActiveSpan,
      };
      return counted;
    },
  };
  return { provider, started: () => started };
}

const TRACING_FAILURE = "[llm-journey] tracing failed";

/** What a client sees of an answer, without the parts that differ run to run. */
interface Answer {
  text: string;
  finishReason: string | null | undefined;
  usage: unknown;
}

async function chat(client: OpenAI, content: string, stream: boolean): Promise<Answer> {
  const request = { model: "m", messages: [{ role: "user" as const, content }], max_tokens: 9 };
  if (!stream) {
    const completion = await client.chat.completions.create(request);
    const choice = completion.choices[0];
    return {
      text: choice?.message.content ?? "",
      finishReason: choice?.finish_reason,
      usage: completion.usage,
    };
  }
  const chunks = await client.chat.completions.create({
    ...request,
    stream: true,
    stream_options: { include_usage: true },
  });
  const answer: Answer = { text: "", finishReason: undefined, usage: undefined };
  for await (const chunk of chunks) {
    answer.text += chunk.choices[0]?.delta.content ?? "";
    answer.finishReason = chunk.choices[0]?.finish_reason ?? answer.finishReason;
    if (chunk.usage) answer.usage = chunk.usage;
  }
  return answer;
}

async function completion(client: OpenAI, prompt: string, stream: boolean): Promise<Answer> {
  if (!stream) {
    const answer = await client.completions.create({ model: "m", prompt, max_tokens: 9 });
    const choice = answer.choices[0];
    return { text: choice?.text ?? "", finishReason: choice?.finish_reason, usage: answer.usage };
  }
  const chunks = await client.completions.create({
    model: "m",
    prompt,
    max_tokens: 9,
    stream: true,
    stream_options: { include_usage: true },
  });
  const answer: Answer = { text: "", finishReason: undefined, usage: undefined };
  for await (const chunk of chunks) {
    answer.text += chunk.choices[0]?.text ?? "";
    answer.finishReason = chunk.choices[0]?.finish_reason ?? answer.finishReason;
    if (chunk.usage) answer.usage = chunk.usage;
  }
  return answer;
}

const KINDS = [
  { name: "non-streaming chat", ask: (c: OpenAI, p: string) => chat(c, p, false) },
  { name: "streaming chat", ask: (c: OpenAI, p: string) => chat(c, p, true) },
  { name: "non-streaming completion", ask: (c: OpenAI, p: string) => completion(c, p, false) },
  { name: "streaming completion", ask: (c: OpenAI, p: string) => completion(c, p, true) },
];

describe("a demo server whose HTTP-thread tracer provider throws on every span call", () => {
  let healthy: TestServer;
  let broken: TestServer;
  const throwing = countedThrowingProvider();
  let warnings: MockInstance<typeof console.warn>;
  const failureLines = () =>
    warnings.mock.calls.filter(([line]) => String(line).startsWith(TRACING_FAILURE));

  beforeAll(async () => {
    warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    [healthy, broken] = await Promise.all([
      startTestServer(),
      startTestServer([], { tracerProvider: throwing.provider }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([healthy?.close(), broken?.close()]);
    warnings?.mockRestore();
  });

  it("answers chat and completions, streaming and not, exactly as a healthy server", async () => {
    for (const kind of KINDS) {
      for (let i = 0; i < 3; i++) {
        const prompt = `${kind.name} ${i}`;
        const expected = await kind.ask(healthy.client, prompt);
        expect(expected.text.length, kind.name).toBeGreaterThan(0);
        expect(await kind.ask(broken.client, prompt), kind.name).toEqual(expected);
      }
    }
    // Without this the server could have ignored the provider and passed on its own.
    expect(
      throwing.started(),
      "spans started through options.tracerProvider",
    ).toBeGreaterThanOrEqual(KINDS.length * 3);
  });

  it("answers a request that fails validation with the same OpenAI error", async () => {
    const post = (server: TestServer) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [], max_tokens: -1 }),
      });
    const [expected, actual] = await Promise.all([post(healthy), post(broken)]);
    expect(actual.status).toBe(expected.status);
    expect(await actual.json()).toEqual(await expected.json());
  });

  it("keeps serving after clients disconnect mid-stream, and holds no entry once idle", async () => {
    const started = throwing.started();
    for (let i = 0; i < 4; i++) {
      const controller = new AbortController();
      const response = await fetch(`${broken.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", prompt: `leave ${i}`, max_tokens: 4000, stream: true }),
        signal: controller.signal,
      });
      const reader = response.body?.getReader();
      await reader?.read(); // the first chunk, then the client goes away
      controller.abort();
      await reader?.cancel().catch(() => {});
    }
    expect(throwing.started()).toBeGreaterThanOrEqual(started + 4);
    const after = await completion(broken.client, "still serving", false);
    expect(after).toEqual(await completion(healthy.client, "still serving", false));
    const metrics = await broken.gaugesAtZero();
    expect(gaugeValue(metrics, "llm_journey_active_spans", "api")).toBe(0);
  });

  it("reports the failures rate-limited: one warning line, however many spans failed", () => {
    expect(throwing.started()).toBeGreaterThan(10);
    // The healthy server never warns; the broken one's handler logs once per minute.
    expect(failureLines()).toHaveLength(1);
  });
});

/** An engine host in this thread whose messages are recorded, as in engine-host.test.ts. */
function engineHost(tracerProvider?: TracerProvider) {
  const messages: FromEngineMessage[] = [];
  const waiters: Array<() => void> = [];
  const engine = new EngineHost({
    options: resolveEngineOptions({
      stepTime: FAST_STEP_TIME,
      maxNumSeqs: 4,
      numKvBlocks: 12,
      blockSize: 16,
    }),
    post: (message) => {
      messages.push(message);
      for (const wake of waiters.splice(0)) wake();
    },
    ...(tracerProvider !== undefined ? { tracerProvider } : {}),
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const ofType = <T extends FromEngineMessage["type"]>(type: T) =>
    messages.filter((m): m is Extract<FromEngineMessage, { type: T }> => m.type === type);
  const add = (requestId: string, maxTokens: number, stop: string[] = []) =>
    engine.handle({
      type: "add",
      requestId,
      prompt: `prompt ${requestId} `.repeat(8),
      maxTokens,
      stop,
      // The API layer says "traced", so the core tracer starts a span for every request.
      traceHeaders: { "x-llm-journey-sampled": "1" },
    });
  /** Tokens and finish of each request, in the order the engine reported them. */
  const outcome = () => ({
    text: Object.fromEntries(
      ofType("finished").map((f) => [
        f.requestId,
        ofType("tokens")
          .filter((t) => t.requestId === f.requestId)
          .map((t) => t.text)
          .join(""),
      ]),
    ),
    // Without the latencies: two runs' clock readings never match.
    finished: ofType("finished").map(({ latencies: _, ...finished }) => finished),
  });
  return { engine, ofType, until, add, outcome };
}

describe("an engine whose tracer provider throws on every span call", () => {
  it("generates, preempts, stops and aborts exactly as a healthy engine, holding nothing", async () => {
    const throwing = countedThrowingProvider();
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const runs = [engineHost(), engineHost(throwing.provider)];
      for (const run of runs) {
        // Few KV blocks for long requests: the scheduler preempts and resumes them.
        for (let i = 0; i < 8; i++) run.add(`r${i}`, 40 + i * 10, i === 5 ? ["lorem"] : []);
        run.engine.handle({ type: "abort", requestId: "r7" });
        await run.until(() => run.ofType("finished").length === 8);
        // Shutdown aborts what is in flight, through the core tracer's shutdown path too.
        run.add("in-flight", 4000);
        // Its prompt is counted in slices first: shut down once it is really in the batch.
        await run.until(() => run.ofType("tokens").some((m) => m.requestId === "in-flight"));
        run.engine.handle({ type: "shutdown" });
        await run.until(() => run.ofType("shutdown-complete").length === 1);
      }
      const [healthy, broken] = runs as [ReturnType<typeof engineHost>, (typeof runs)[number]];
      expect(throwing.started(), "spans started through tracerProvider").toBeGreaterThanOrEqual(9);
      const healthyEvents = healthy
        .ofType("spans")
        .flatMap((batch) =>
          batch.spans.flatMap((span) =>
            (JSON.parse(span.json) as JourneySpan).events.map((e) => e.name),
          ),
        );
      expect(healthyEvents).toContain("journey.PREEMPTED");
      expect(broken.outcome()).toEqual(healthy.outcome());
      expect(broken.outcome().finished.map((f) => f.status)).toContain("aborted");
      expect(broken.engine.stats()).toMatchObject({ activeSpans: 0, trackedEntries: 0 });
      expect(healthy.ofType("spans").length).toBeGreaterThan(0);
      // Its spans went to the throwing provider, not to the forwarder.
      expect(broken.ofType("spans")).toHaveLength(0);
      const failures = warnings.mock.calls.filter(([l]) => String(l).startsWith(TRACING_FAILURE));
      expect(failures).toHaveLength(1);
    } finally {
      warnings.mockRestore();
    }
  });
});
