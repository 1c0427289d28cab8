import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { JourneyStore } from "../journeys/journey-store.js";
import { StoreSpanProcessor } from "../journeys/store-span-processor.js";
import type { JourneySpan } from "./engine-contract.js";
import { hrTimeToNanos, toForwardedSpan } from "./journey-span.js";

const nanosOf = ([seconds, nanos]: readonly [number, number]) =>
  (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();

let provider: BasicTracerProvider | undefined;
afterEach(async () => {
  await provider?.shutdown();
  provider = undefined;
});

/** A provider whose ended spans go to the store, and to `ended` for the expectations. */
function tracedStore(capacity = 10) {
  const store = new JourneyStore(capacity);
  const ended: ReadableSpan[] = [];
  provider = new BasicTracerProvider({
    spanProcessors: [
      new StoreSpanProcessor(store),
      {
        onStart: () => {},
        onEnd: (span) => ended.push(span),
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  return { store, ended, tracer: provider.getTracer("llm-journey.api") };
}

/** What SPEC §8 says a span looks like, built from the SDK's span independently. */
function expected(span: ReadableSpan): JourneySpan {
  return {
    name: span.name,
    kind: SpanKind[span.kind] as JourneySpan["kind"],
    scope: span.instrumentationScope.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    startTimeUnixNano: nanosOf(span.startTime),
    endTimeUnixNano: nanosOf(span.endTime),
    status: {
      code: SpanStatusCode[span.status.code] as JourneySpan["status"]["code"],
      message: span.status.message ?? "",
    },
    attributes: { ...span.attributes },
    events: span.events.map((event) => ({
      name: event.name,
      timeUnixNano: nanosOf(event.time),
      attributes: { ...(event.attributes ?? {}) },
    })),
  };
}

describe("journey spans", () => {
  it("write times as the exact decimal nanoseconds of the SDK's [seconds, nanos]", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (seconds, nanos) => {
          expect(hrTimeToNanos([seconds, nanos])).toBe(nanosOf([seconds, nanos]));
        },
      ),
    );
    expect(hrTimeToNanos([1_795_600_506, 5])).toBe("1795600506000000005");
    expect(hrTimeToNanos([0, 0])).toBe("0");
  });

  it("come out of the store in the SPEC §8 shape, converted when read", () => {
    const { store, ended, tracer } = tracedStore();
    const parent = tracer.startSpan("client");
    const api = tracer.startSpan(
      "llm_request",
      {
        kind: SpanKind.SERVER,
        attributes: { "gen_ai.request.id": "r1", "gen_ai.request.max_tokens": 8 },
      },
      trace.setSpan(context.active(), parent),
    );
    api.addEvent("api.ARRIVED", { "event.ts.monotonic": 1.5 });
    api.addEvent("api.ABORTED", { reason: "timeout", error: "too slow" });
    api.setAttribute("gen_ai.response.finish_reasons", ["length"]);
    api.setStatus({ code: SpanStatusCode.ERROR, message: "too slow" });
    api.end();
    const plain = tracer.startSpan("llm_core", { attributes: { "gen_ai.request.id": "r2" } });
    plain.addEvent("journey.QUEUED");
    plain.end();

    const journeys = JSON.parse(JSON.stringify(store.recent(10))) as ReturnType<
      JourneyStore["recent"]
    >;
    expect(journeys).toEqual([
      {
        traceId: ended[1]?.spanContext().traceId,
        requestId: "r2",
        spans: [expected(ended[1] as ReadableSpan)],
      },
      {
        traceId: ended[0]?.spanContext().traceId,
        requestId: "r1",
        spans: [expected(ended[0] as ReadableSpan)],
      },
    ]);
    // The keys SPEC §8 lists are all there, `status.message` too when the span has none.
    expect(journeys[0]?.spans[0]?.status).toEqual({ code: "UNSET", message: "" });
    expect(Object.keys(journeys[1]?.spans[0] ?? {})).toEqual([
      "name",
      "kind",
      "scope",
      "traceId",
      "spanId",
      "parentSpanId",
      "startTimeUnixNano",
      "endTimeUnixNano",
      "status",
      "attributes",
      "events",
    ]);
    parent.end();
  });

  it("are the same whether the engine converted them or the store did on read", () => {
    const { store, ended, tracer } = tracedStore();
    const span = tracer.startSpan("llm_core", { attributes: { "gen_ai.request.id": "r" } });
    span.addEvent("journey.FINISHED", { "finish.status": "stopped", "scheduler.step": 3 });
    span.end();
    // What the engine thread posts: its text and what files it, cloned across threads.
    const posted = structuredClone(toForwardedSpan(ended[0] as ReadableSpan));
    const other = new JourneyStore(10);
    other.add(posted);
    expect(store.recent(1)).toEqual(other.recent(1));
    // Reading again gives the same (the first read replaced the SDK span by its conversion).
    expect(store.recent(1)).toEqual(other.recent(1));
  });

  it("reach converted-span listeners as JourneySpans, and metric listeners unconverted", () => {
    const { store, tracer } = tracedStore();
    const converted: JourneySpan[] = [];
    const finished: string[] = [];
    store.onFinishedSpan((span) => finished.push(span.name));
    store.onSpan((span) => converted.push(span));
    tracer.startSpan("llm_request", { attributes: { "gen_ai.request.id": "r" } }).end();
    expect(finished).toEqual(["llm_request"]);
    expect(converted.map((span) => [span.name, span.status])).toEqual([
      ["llm_request", { code: "UNSET", message: "" }],
    ]);
  });
});
