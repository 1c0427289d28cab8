import { describe, expect, it } from "vitest";
import { monotonicSeconds } from "./monotonic-clock.js";

const hrtimeSeconds = (): number => Number(process.hrtime.bigint()) / 1e9;

describe("monotonicSeconds", () => {
  it("reads process.hrtime's clock, shared by every thread, to within a microsecond", () => {
    for (let i = 0; i < 1000; i++) {
      const before = hrtimeSeconds();
      const reading = monotonicSeconds();
      const after = hrtimeSeconds();
      expect(reading).toBeGreaterThanOrEqual(before - 1e-6);
      expect(reading).toBeLessThanOrEqual(after + 1e-6);
    }
  });

  it("never goes back", () => {
    let last = monotonicSeconds();
    for (let i = 0; i < 10_000; i++) {
      const now = monotonicSeconds();
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });
});
