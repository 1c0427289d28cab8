import { describe, expect, it } from "vitest";
import { SINK_KINDS } from "../lib/otlp-sink.mjs";
import { formatTable, measureExporterFaults, summarize } from "./exporter-fault-measurement.mjs";

describe("the exporter-fault measurement, in a short run", () => {
  it("serves every request under every collector; the broken ones drop spans and warn once per thread", async () => {
    const runs = await measureExporterFaults({
      kinds: SINK_KINDS,
      rounds: 1,
      warmupMs: 0,
      durationMs: 1_500,
      settleMs: 800,
      concurrency: 4,
      maxTokens: 4,
      // Exports go every 100 ms and give up after 300 ms, so every fault shows in 2 s.
      env: { OTEL_EXPORTER_OTLP_TIMEOUT: "300", OTEL_BSP_SCHEDULE_DELAY: "100" },
    });
    expect(runs.map((run) => run.kind)).toEqual([...SINK_KINDS]);
    for (const run of runs) {
      expect(run.load.completed, run.kind).toBeGreaterThan(0);
      expect(run.load.errors, run.kind).toBe(0);
      const dropped = run.spansDropped.api + run.spansDropped.core;
      expect(dropped, run.kind).toBeLessThanOrEqual(2 * run.requestsServed);
      if (run.kind === "healthy") {
        expect(dropped).toBe(0);
        expect(run.spansAccepted).toBeGreaterThan(0);
        expect(run.warningLines).toBe(0);
      } else {
        expect(run.spansDropped.api, run.kind).toBeGreaterThan(0);
        expect(run.spansDropped.core, run.kind).toBeGreaterThan(0);
        // Rate-limited: the first failure of each thread's handler, then one a minute.
        expect(run.warningLines, run.kind).toBeGreaterThanOrEqual(1);
        expect(run.warningLines, run.kind).toBeLessThanOrEqual(2);
        expect(run.warningLines, run.kind).toBeLessThan(dropped);
      }
    }
    const table = formatTable(summarize(runs));
    for (const kind of SINK_KINDS) expect(table).toContain(`| ${kind} |`);
  }, 90_000);
});
