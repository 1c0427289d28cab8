import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { JourneySpan } from "./journeys/journey-span.js";
import type { JourneyStore } from "./journeys/journey-store.js";

/** Live counts a layer reports for the gauges. */
export interface LayerCounts {
  activeSpans: number;
  trackedEntries: number;
}

/** The engine's counts also say how many core spans its exporter dropped so far. */
export interface CoreCounts extends LayerCounts {
  spansDropped: number;
  /** The legacy recorder's entries and undrained records (`legacy` and `dual` modes). */
  bufferedEntries: number;
  bufferedRecords: number;
}

/** Both sides of the legacy path together (`legacy` and `dual` modes). */
export interface LegacyCounts extends LayerCounts {
  bufferedRecords: number;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The `/metrics` registry: request outcomes, latency histograms derived from finished
 * journeys, the live span and entry gauges of each layer (0 when idle), spans the
 * exporters dropped, and the process's default metrics.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "llm_journey_requests_total",
    help: "Generation requests by endpoint and outcome.",
    labelNames: ["endpoint", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly ttft = histogram(
    this.registry,
    "llm_journey_time_to_first_token_seconds",
    "Time to first token, from llm_request spans.",
  );
  private readonly e2e = histogram(
    this.registry,
    "llm_journey_e2e_latency_seconds",
    "End-to-end latency, from llm_request spans.",
  );
  private readonly queue = histogram(
    this.registry,
    "llm_journey_queue_time_seconds",
    "Time in the scheduler's queue, from llm_core spans.",
  );
  readonly spansDropped: Counter<"layer">;

  constructor(
    layers: {
      api: () => LayerCounts;
      core: () => Promise<CoreCounts>;
      /** Only in `legacy` and `dual` modes: adds the `legacy` layer to the gauges. */
      legacy?: () => Promise<LegacyCounts>;
    },
    store: JourneyStore,
  ) {
    let coreDroppedSeen = 0;
    this.spansDropped = new Counter({
      name: "llm_journey_spans_dropped_total",
      help: "Spans an OTLP exporter failed to deliver, by layer.",
      labelNames: ["layer"] as const,
      registers: [this.registry],
      async collect() {
        // The engine reports a running total; the counter takes what is new since.
        const { spansDropped } = await layers.core();
        if (spansDropped > coreDroppedSeen)
          this.inc({ layer: "core" }, spansDropped - coreDroppedSeen);
        coreDroppedSeen = Math.max(coreDroppedSeen, spansDropped);
      },
    });
    collectDefaultMetrics({ register: this.registry });
    const readLayers = async () => ({
      api: layers.api(),
      core: await layers.core(),
      legacy: await layers.legacy?.(),
    });
    new Gauge({
      name: "llm_journey_active_spans",
      help: "Journey spans started and not yet ended, by layer.",
      labelNames: ["layer"] as const,
      registers: [this.registry],
      async collect() {
        const counts = await readLayers();
        this.set({ layer: "api" }, counts.api.activeSpans);
        this.set({ layer: "core" }, counts.core.activeSpans);
        if (counts.legacy) this.set({ layer: "legacy" }, counts.legacy.activeSpans);
      },
    });
    new Gauge({
      name: "llm_journey_tracked_entries",
      help: "Per-request tracing entries held, by layer.",
      labelNames: ["layer"] as const,
      registers: [this.registry],
      async collect() {
        const counts = await readLayers();
        this.set({ layer: "api" }, counts.api.trackedEntries);
        this.set({ layer: "core" }, counts.core.trackedEntries);
        if (counts.legacy) this.set({ layer: "legacy" }, counts.legacy.trackedEntries);
      },
    });
    if (layers.legacy !== undefined) {
      const legacy = layers.legacy;
      new Gauge({
        name: "llm_journey_legacy_buffered_records",
        help: "Legacy journey records buffered in the engine or collected and not yet built into a span.",
        registers: [this.registry],
        async collect() {
          this.set((await legacy()).bufferedRecords);
        },
      });
    }
    store.onSpan((span) => this.observe(span));
  }

  requestFinished(endpoint: string, outcome: string): void {
    this.requests.inc({ endpoint, outcome });
  }

  private observe(span: JourneySpan): void {
    const seconds = (key: string) => {
      const value = span.attributes[key];
      return typeof value === "number" && Number.isFinite(value) ? value : undefined;
    };
    if (span.name === "llm_request") {
      const ttft = seconds("gen_ai.latency.time_to_first_token");
      const e2e = seconds("gen_ai.latency.e2e");
      if (ttft !== undefined) this.ttft.observe(ttft);
      if (e2e !== undefined) this.e2e.observe(e2e);
    } else if (span.name === "llm_core") {
      const queue = seconds("gen_ai.latency.time_in_queue");
      if (queue !== undefined) this.queue.observe(queue);
    }
  }
}

function histogram(registry: Registry, name: string, help: string): Histogram {
  return new Histogram({ name, help, buckets: LATENCY_BUCKETS, registers: [registry] });
}
