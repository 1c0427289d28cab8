import { createRequire } from "node:module";
import {
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
  constants as perfConstants,
} from "node:perf_hooks";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { type EngineCounts, ZERO_COUNTS } from "./engine/index.js";
import type { FinishedSpan, JourneyStore } from "./journeys/journey-store.js";

/** Live counts a layer reports for the gauges. */
export interface LayerCounts {
  activeSpans: number;
  trackedEntries: number;
}

/** What the API tracer reports: its live counts and its watchdog's closures so far. */
export interface ApiCounts extends LayerCounts {
  closedByWatchdog: number;
}

/** A tracing mode's second journey stream, as its HTTP side counts. */
export interface StreamCounts extends LayerCounts {
  /** The layer its gauges are labelled with. */
  readonly layer: string;
  pendingRecords: number;
}

/**
 * How a generation request ended, as `llm_journey_requests_total` labels it: answered,
 * refused as invalid (4xx), refused at admission (429: the queue or the connection's
 * share of the engine was full), failed (5xx, or an error event in a stream), or left by
 * its client before the answer was complete (streaming or not, pipelined or not).
 */
export type RequestOutcome = "ok" | "invalid" | "overloaded" | "error" | "client_disconnect";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * prom-client's default metrics that hold nothing between scrapes. Its event-loop-lag
 * and GC metrics start a monitor and an observer that it never stops, so
 * `collectDefaultMetrics` would leave both running after the server closed (one more
 * per server in a test process): those two are built below, stoppable.
 */
const STATELESS_DEFAULT_METRICS = [
  "processCpuTotal",
  "processStartTime",
  "osMemoryHeap",
  "processOpenFileDescriptors",
  "processMaxFileDescriptors",
  "processResources",
  "processHandles",
  "processRequests",
  "heapSizeAndUsed",
  "heapSpacesSizeAndUsed",
  "version",
] as const;

const requireFromHere = createRequire(import.meta.url);

type LayerReaders = {
  api: () => ApiCounts;
  core: () => Promise<EngineCounts>;
  /**
   * A tracing mode's second journey stream: one more layer of the gauges, named `layer`,
   * and its own `llm_journey_<layer>_buffered_records`. Its engine side's counts come with
   * the engine's (`streamEntries`, `streamRecords`), so that the engine is asked once.
   */
  stream?: StreamCounts | undefined;
};

/**
 * The `/metrics` registry: request outcomes, latency histograms derived from finished
 * journeys, the live span and entry gauges of each layer (0 when idle), spans the
 * exporters dropped, and the process's default metrics.
 *
 * Scrape with `scrape()`: it asks the engine for its counts once, and when the engine
 * cannot answer (its worker is restarting or gone) it reports the last counts it had
 * instead of failing the scrape. `close()` stops the process monitors.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "llm_journey_requests_total",
    help: "Generation requests by endpoint and outcome, each request counted once.",
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
  private core: EngineCounts = ZERO_COUNTS;
  private readonly stopMonitors: () => void;

  constructor(
    private readonly layers: LayerReaders,
    store: JourneyStore,
  ) {
    const self = this;
    const { stream } = layers;
    let coreDroppedSeen = 0;
    this.spansDropped = new Counter({
      name: "llm_journey_spans_dropped_total",
      help: "Spans an OTLP exporter failed to deliver, by layer.",
      labelNames: ["layer"] as const,
      registers: [this.registry],
      collect() {
        // The engine reports a running total; the counter takes what is new since.
        const { spansDropped } = self.core;
        if (spansDropped > coreDroppedSeen)
          this.inc({ layer: "core" }, spansDropped - coreDroppedSeen);
        coreDroppedSeen = Math.max(coreDroppedSeen, spansDropped);
      },
    });
    // Both tracers report running totals; the counter takes what is new since the last scrape.
    const watchdogSeen = { api: 0, core: 0 };
    new Counter({
      name: "llm_journey_watchdog_closed_total",
      help: "Journeys the watchdog closed because they were open longer than --max-journey-age-ms, by layer.",
      labelNames: ["layer"] as const,
      registers: [this.registry],
      collect() {
        const totals = { api: layers.api().closedByWatchdog, core: self.core.closedByWatchdog };
        for (const layer of ["api", "core"] as const) {
          this.inc({ layer }, Math.max(0, totals[layer] - watchdogSeen[layer]));
          watchdogSeen[layer] = Math.max(watchdogSeen[layer], totals[layer]);
        }
      },
    });
    for (const name of STATELESS_DEFAULT_METRICS) {
      const register = requireFromHere(`prom-client/lib/metrics/${name}.js`) as (
        registry: Registry,
      ) => void;
      register(this.registry);
    }
    this.stopMonitors = registerProcessMonitors(this.registry);
    new Gauge({
      name: "llm_journey_active_spans",
      help: "Journey spans started and not yet ended, by layer.",
      labelNames: ["layer"] as const,
      registers: [this.registry],
      collect() {
        this.set({ layer: "api" }, layers.api().activeSpans);
        this.set({ layer: "core" }, self.core.activeSpans);
        if (stream) this.set({ layer: stream.layer }, stream.activeSpans);
      },
    });
    new Gauge({
      name: "llm_journey_tracked_entries",
      help: "Per-request tracing entries held, by layer.",
      labelNames: ["layer"] as const,
      registers: [this.registry],
      collect() {
        this.set({ layer: "api" }, layers.api().trackedEntries);
        this.set({ layer: "core" }, self.core.trackedEntries);
        if (stream) {
          this.set({ layer: stream.layer }, stream.trackedEntries + self.core.streamEntries);
        }
      },
    });
    if (stream !== undefined) {
      const named = `${stream.layer.charAt(0).toUpperCase()}${stream.layer.slice(1)}`;
      new Gauge({
        name: `llm_journey_${stream.layer}_buffered_records`,
        help: `${named} journey records buffered in the engine or collected and not yet built into a span.`,
        registers: [this.registry],
        collect() {
          this.set(stream.pendingRecords + self.core.streamRecords);
        },
      });
    }
    store.onFinishedSpan((span) => this.observe(span));
  }

  /**
   * The registry in Prometheus text format, with every layer's counts read once. The
   * engine's (a second stream's engine side with them) fall back to their last known
   * values when the engine does not answer, so a restarting worker never fails the scrape.
   */
  async scrape(): Promise<string> {
    try {
      this.core = await this.layers.core();
    } catch {
      // Keep the last known counts: the worker is restarting or has stopped.
    }
    return this.registry.metrics();
  }

  /** Counts one finished request. The HTTP layer calls it once per request. */
  countRequest(endpoint: string, outcome: RequestOutcome): void {
    this.requests.inc({ endpoint, outcome });
  }

  /** Stops the event-loop monitor and the GC observer. Idempotent. */
  close(): void {
    this.stopMonitors();
  }

  private observe(span: FinishedSpan): void {
    const { attributes } = span;
    if (span.name === "llm_request") {
      const ttft = attributes["gen_ai.latency.time_to_first_token"];
      const e2e = attributes["gen_ai.latency.e2e"];
      if (isSeconds(ttft)) this.ttft.observe(ttft);
      if (isSeconds(e2e)) this.e2e.observe(e2e);
    } else if (span.name === "llm_core") {
      const queue = attributes["gen_ai.latency.time_in_queue"];
      if (isSeconds(queue)) this.queue.observe(queue);
    }
  }
}

function isSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function histogram(registry: Registry, name: string, help: string): Histogram {
  return new Histogram({ name, help, buckets: LATENCY_BUCKETS, registers: [registry] });
}

const GC_KINDS: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};

/**
 * prom-client's `nodejs_eventloop_lag_*` and `nodejs_gc_duration_seconds`, same names and
 * meaning, with an event-loop monitor and a GC observer that the returned function stops.
 */
function registerProcessMonitors(registry: Registry): () => void {
  let delay: IntervalHistogram | undefined = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const lag = new Gauge({
    name: "nodejs_eventloop_lag_seconds",
    help: "Lag of event loop in seconds.",
    registers: [registry],
    collect() {
      // As prom-client measures it: the value is set after this scrape, shown in the next.
      const start = process.hrtime.bigint();
      setImmediate(() => lag.set(Number(process.hrtime.bigint() - start) / 1e9));
      if (delay === undefined) return;
      summary.min.set(delay.min / 1e9);
      summary.max.set(delay.max / 1e9);
      summary.mean.set(delay.mean / 1e9);
      summary.stddev.set(delay.stddev / 1e9);
      summary.p50.set(delay.percentile(50) / 1e9);
      summary.p90.set(delay.percentile(90) / 1e9);
      summary.p99.set(delay.percentile(99) / 1e9);
      delay.reset();
    },
  });
  const gauge = (suffix: string, help: string) =>
    new Gauge({ name: `nodejs_eventloop_lag_${suffix}_seconds`, help, registers: [registry] });
  const summary = {
    min: gauge("min", "The minimum recorded event loop delay."),
    max: gauge("max", "The maximum recorded event loop delay."),
    mean: gauge("mean", "The mean of the recorded event loop delays."),
    stddev: gauge("stddev", "The standard deviation of the recorded event loop delays."),
    p50: gauge("p50", "The 50th percentile of the recorded event loop delays."),
    p90: gauge("p90", "The 90th percentile of the recorded event loop delays."),
    p99: gauge("p99", "The 99th percentile of the recorded event loop delays."),
  };

  const gc = new Histogram({
    name: "nodejs_gc_duration_seconds",
    help: "Garbage collection duration by kind, one of major, minor, incremental or weakcb.",
    labelNames: ["kind"] as const,
    buckets: [0.001, 0.01, 0.1, 1, 2, 5],
    registers: [registry],
  });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // A GC entry's `detail` (Node ≥ 16) says which kind of collection it was.
      const { detail } = entry as unknown as { detail?: { kind?: number } };
      const kind = GC_KINDS[detail?.kind ?? -1];
      if (kind !== undefined) gc.observe({ kind }, entry.duration / 1000);
    }
  });
  observer.observe({ entryTypes: ["gc"] });

  return () => {
    observer.disconnect();
    delay?.disable();
    delay = undefined;
  };
}
