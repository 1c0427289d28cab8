import { createCoreTracer } from "@llm-journey/tracer-core";
import {
  assertNoTrackedEntries,
  createTestTracing,
  type TestTracing,
} from "@llm-journey/tracer-core/testing";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { createApiTracer } from "./create-api-tracer.js";
import { NOOP_JOURNEY_HANDLE } from "./noop-journey-handle.js";

const CLIENT_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN_ID = "b7ad6b7169203331";
const clientParent = (flags: "00" | "01") => ({
  traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-${flags}`,
});

let testing: TestTracing;
afterEach(() => testing.shutdown());

/**
 * Both layers on one real SDK with `sampler`, as an application with its own SDK wires
 * them. `journey` runs one request through both: the header map is cloned on the way
 * to the core, as a message to another thread would. `reports` holds what each layer
 * told its `onError`.
 */
function layersWith(sampler: Sampler) {
  testing = createTestTracing({ sampler });
  const reports = { api: [] as string[], core: [] as string[] };
  const api = createApiTracer({
    tracerProvider: testing.provider,
    onError: (error) => reports.api.push(String(error)),
  });
  const core = createCoreTracer({
    tracerProvider: testing.provider,
    onError: (error) => reports.core.push(String(error)),
  });
  const journey = (requestId: string, headers?: Record<string, string>) => {
    const handle = api.startJourney({ requestId, headers });
    const request = {
      requestId,
      traceHeaders: structuredClone({ ...handle.coreHeaders }),
      promptTokens: 4,
      computedTokens: 4,
      outputTokens: 1,
      maxTokens: 1,
      preemptions: 0,
    };
    handle.handoffToCore();
    core.requestAdded(request, 0);
    const inFlight = { api: api.trackedEntries, core: core.trackedEntries };
    handle.firstResponse();
    core.requestFinished(request, "length", 1);
    handle.departed();
    return { handle, header: handle.coreHeaders["x-llm-journey-sampled"], inFlight };
  };
  /** Ends the test: every span started was ended once, and neither layer holds anything. */
  const assertClean = () => {
    testing.assertEverySpanEndedOnce();
    assertNoTrackedEntries(api, "api");
    assertNoTrackedEntries(core, "core");
  };
  return { journey, assertClean, reports };
}

/** The two exported spans of one traced request: linked, in the trace of `traceId`. */
function expectLinkedPair(traceId?: string) {
  const [apiSpan] = testing.spansNamed("llm_request");
  const [coreSpan] = testing.spansNamed("llm_core");
  expect(testing.finishedSpans()).toHaveLength(2);
  expect(coreSpan?.parentSpanContext?.spanId).toBe(apiSpan?.spanContext().spanId);
  expect(coreSpan?.spanContext().traceId).toBe(apiSpan?.spanContext().traceId);
  if (traceId !== undefined) expect(apiSpan?.spanContext().traceId).toBe(traceId);
  return apiSpan;
}

describe("the decision sent to the core is what the SDK's sampler made of llm_request", () => {
  it("AlwaysOn: traced on both layers, whatever the client's sampled flag", () => {
    const { journey, assertClean, reports } = layersWith(new AlwaysOnSampler());
    for (const headers of [undefined, clientParent("01"), clientParent("00")]) {
      const { handle, header, inFlight } = journey("r", headers);
      expect([header, handle.traced]).toEqual(["1", true]);
      expect(inFlight).toEqual({ api: 1, core: 1 });
      expectLinkedPair(headers === undefined ? undefined : CLIENT_TRACE_ID);
      testing.reset();
    }
    expect(reports).toEqual({ api: [], core: [] });
    assertClean();
  });

  it("ParentBased under a sampled client parent: traced on both layers, in the client's trace", () => {
    const { journey, assertClean } = layersWith(
      new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    );
    const { handle, header, inFlight } = journey("r", clientParent("01"));
    expect([header, handle.traced]).toEqual(["1", true]);
    expect(inFlight).toEqual({ api: 1, core: 1 });
    const apiSpan = expectLinkedPair(CLIENT_TRACE_ID);
    expect(apiSpan?.parentSpanContext?.spanId).toBe(CLIENT_SPAN_ID);
    assertClean();
  });

  it("ParentBased under an unsampled client parent: sampled out on both layers, 0 travels", () => {
    const { journey, assertClean } = layersWith(
      new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    );
    const { handle, header, inFlight } = journey("r", clientParent("00"));
    expect(handle).toBe(NOOP_JOURNEY_HANDLE);
    expect([header, handle.traced]).toEqual(["0", false]);
    expect(inFlight).toEqual({ api: 0, core: 0 });
    expect(testing.finishedSpans()).toHaveLength(0);
    // The non-recording span the SDK gave was still ended, once.
    assertClean();
  });

  it("TraceIdRatioBased(0.5): each request is traced on both layers or on neither, as its header says", () => {
    const { journey, assertClean } = layersWith(new TraceIdRatioBasedSampler(0.5));
    const total = 400;
    const tracedIds = new Set<string>();
    for (let i = 0; i < total; i++) {
      const { handle, header, inFlight } = journey(`r${i}`);
      expect(header).toBe(handle.traced ? "1" : "0");
      expect(inFlight).toEqual(handle.traced ? { api: 1, core: 1 } : { api: 0, core: 0 });
      if (handle.traced) tracedIds.add(`r${i}`);
    }
    const idsOf = (name: string) =>
      testing
        .spansNamed(name)
        .map((span) => String(span.attributes["gen_ai.request.id"]))
        .sort();
    expect(idsOf("llm_request")).toEqual([...tracedIds].sort());
    expect(idsOf("llm_core")).toEqual([...tracedIds].sort());
    // Random trace ids at one half: 400 draws land far inside these bounds.
    expect(tracedIds.size).toBeGreaterThan(total * 0.3);
    expect(tracedIds.size).toBeLessThan(total * 0.7);
    assertClean();
  });

  it("AlwaysOff: sampled out on both layers, with or without a sampled client parent", () => {
    const { journey, assertClean, reports } = layersWith(new AlwaysOffSampler());
    for (const headers of [undefined, clientParent("01")]) {
      const { handle, header, inFlight } = journey("r", headers);
      expect([header, handle.traced]).toEqual(["0", false]);
      expect(inFlight).toEqual({ api: 0, core: 0 });
    }
    expect(testing.finishedSpans()).toHaveLength(0);
    // Not a silent mystery: said once, by the layer whose span the sampler dropped.
    expect(reports.core).toEqual([]);
    expect(reports.api).toHaveLength(1);
    // A note, not a failure: the sampler did what it is for.
    expect(reports.api[0]).toMatch(
      /^info \(sampler-dropped-request\): the tracer provider's sampler made llm_request non-recording.*Said once/,
    );
    assertClean();
  });
});
