import { afterEach, describe, expect, it } from "vitest";
import { gaugeValue } from "../test/support/test-server.js";
import type { JourneySpan } from "./engine/engine-contract.js";
import { type EngineCounts, ZERO_COUNTS } from "./engine/index.js";
import { forwarded } from "./engine/journey-span.js";
import { JourneyStore } from "./journeys/journey-store.js";
import { ServerMetrics } from "./metrics.js";

const API = { activeSpans: 0, trackedEntries: 0, closedByWatchdog: 0 };
const core = (activeSpans: number, closedByWatchdog = 0): EngineCounts => ({
  ...ZERO_COUNTS,
  activeSpans,
  trackedEntries: activeSpans,
  spansDropped: 0,
  closedByWatchdog,
  streamEntries: 0,
  streamRecords: 0,
});

let metrics: ServerMetrics | undefined;
afterEach(() => {
  metrics?.close();
  metrics = undefined;
});

/** The sum of a metric's samples (every label set) in a scrape. */
function total(text: string, name: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

/** Enough short-lived garbage for several young-generation collections. */
function churn(): number {
  let kept = 0;
  for (let i = 0; i < 300_000; i++) kept += [i, { i }, `${i}`].length;
  return kept;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("the server metrics", () => {
  it("count the watchdog's closures per layer from the tracers' running totals", async () => {
    const api = { ...API };
    const coreTotals = [1, 3, 0, 2]; // the engine worker restarted after the second scrape
    metrics = new ServerMetrics(
      { api: () => api, core: async () => core(0, coreTotals.shift() ?? 0) },
      new JourneyStore(1),
    );
    const read = async () => {
      const text = await metrics?.scrape();
      return ["api", "core"].map((layer) =>
        gaugeValue(text ?? "", "llm_journey_watchdog_closed_total", layer),
      );
    };
    expect(await read()).toEqual([0, 1]);
    api.closedByWatchdog = 4;
    expect(await read()).toEqual([4, 3]);
    // A restarted worker counts from 0 again: the counter never goes back.
    expect(await read()).toEqual([4, 3]);
    expect(await read()).toEqual([4, 3]);
  });

  it("report the engine's last known counts when the engine cannot answer a scrape", async () => {
    const answers: Array<() => Promise<EngineCounts>> = [
      async () => core(2),
      async () => {
        throw new Error("the engine worker exited");
      },
    ];
    metrics = new ServerMetrics(
      { api: () => API, core: () => (answers.shift() as () => Promise<EngineCounts>)() },
      new JourneyStore(1),
    );
    expect(gaugeValue(await metrics.scrape(), "llm_journey_active_spans", "core")).toBe(2);
    const second = await metrics.scrape();
    expect(gaugeValue(second, "llm_journey_active_spans", "core")).toBe(2);
    expect(gaugeValue(second, "llm_journey_tracked_entries", "core")).toBe(2);
  });

  it("ask the engine once per scrape, and add its share of the legacy layer to the HTTP side's", async () => {
    let asked = 0;
    const http = { layer: "legacy", activeSpans: 1, trackedEntries: 2, pendingRecords: 3 };
    metrics = new ServerMetrics(
      {
        api: () => API,
        core: async () => ({ ...core(++asked), streamEntries: 10, streamRecords: 20 }),
        stream: http,
      },
      new JourneyStore(1),
    );
    const text = await metrics.scrape();
    expect(asked).toBe(1);
    expect(gaugeValue(text, "llm_journey_active_spans", "legacy")).toBe(1);
    expect(gaugeValue(text, "llm_journey_tracked_entries", "legacy")).toBe(12);
    expect(text).toMatch(/^llm_journey_legacy_buffered_records 23$/m);
    http.pendingRecords = 0;
    expect(await metrics.scrape()).toMatch(/^llm_journey_legacy_buffered_records 20$/m);
  });

  it("keep the process's default metrics", async () => {
    metrics = new ServerMetrics({ api: () => API, core: async () => core(0) }, new JourneyStore(1));
    const text = await metrics.scrape();
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_version_info",
      "nodejs_eventloop_lag_p99_seconds",
      "nodejs_gc_duration_seconds",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it("stop observing garbage collections once closed", async () => {
    metrics = new ServerMetrics({ api: () => API, core: async () => core(0) }, new JourneyStore(1));
    const gcCount = async () =>
      total(await (metrics as ServerMetrics).scrape(), "nodejs_gc_duration_seconds_count");
    churn();
    await settle();
    const whileOpen = await gcCount();
    expect(whileOpen).toBeGreaterThan(0); // the control: the observer does see collections
    metrics.close();
    metrics.close(); // idempotent
    churn();
    await settle();
    expect(await gcCount()).toBe(whileOpen);
  });

  it("derive latency histograms from finished spans", async () => {
    const store = new JourneyStore(10);
    metrics = new ServerMetrics({ api: () => API, core: async () => core(0) }, store);
    const span = (name: string, attributes: Record<string, unknown>) =>
      forwarded({
        name,
        kind: "INTERNAL",
        scope: "s",
        traceId: name,
        spanId: name,
        parentSpanId: null,
        startTimeUnixNano: "1",
        endTimeUnixNano: "2",
        status: { code: "UNSET", message: "" },
        attributes,
        events: [],
      } as JourneySpan);
    store.add(
      span("llm_request", {
        "gen_ai.latency.time_to_first_token": 0.02,
        "gen_ai.latency.e2e": 0.3,
      }),
    );
    store.add(span("llm_core", { "gen_ai.latency.time_in_queue": Number.NaN }));
    const text = await metrics.scrape();
    expect(total(text, "llm_journey_time_to_first_token_seconds_count")).toBe(1);
    expect(total(text, "llm_journey_e2e_latency_seconds_sum")).toBe(0.3);
    expect(total(text, "llm_journey_queue_time_seconds_count")).toBe(0);
  });
});
