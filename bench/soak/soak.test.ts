import { describe, expect, it } from "vitest";
import { runSoak } from "./soak.mjs";

describe("a short soak of mixed traffic", () => {
  it("answers every request, ends every span once, and leaves the gauges at 0", async () => {
    const report = await runSoak({ requests: 400, concurrency: 32 });
    expect(report.problems).toEqual([]);
    expect(report.outcomes.ok).toBeGreaterThan(0);
    expect(report.outcomes.client_error).toBeGreaterThan(0); // the invalid ones
    expect(report.outcomes.aborted_by_client + report.outcomes.server_error).toBeGreaterThan(0);
    expect(report.spans.api).toBeGreaterThanOrEqual(400 - report.outcomes.aborted_by_client);
    expect(report.spans.core).toBeGreaterThan(0);
    expect(report.heapGrowthMiB).toBeLessThan(64);
  }, 60_000);
});
