import { describe, expect, it } from "vitest";
import { ErrorLogLimiter } from "./error-log.js";

describe("ErrorLogLimiter", () => {
  it("logs the first of each kind per interval and counts the rest until the next", () => {
    let now = 0;
    const limiter = new ErrorLogLimiter({ intervalMs: 1_000, now: () => now });
    expect(limiter.admit("504 timeout")).toEqual({ suppressed: 0 });
    for (let i = 0; i < 139; i++) expect(limiter.admit("504 timeout")).toBeUndefined();
    // Another kind has its own interval.
    expect(limiter.admit("500 engine_error")).toEqual({ suppressed: 0 });
    now = 999;
    expect(limiter.admit("504 timeout")).toBeUndefined();
    now = 1_000;
    expect(limiter.admit("504 timeout")).toEqual({ suppressed: 140 });
    expect(limiter.admit("504 timeout")).toBeUndefined();
    now = 5_000;
    expect(limiter.admit("504 timeout")).toEqual({ suppressed: 1 });
  });

  it("remembers a bounded number of kinds", () => {
    const limiter = new ErrorLogLimiter({ intervalMs: 1_000, now: () => 0 });
    for (let i = 0; i < 1_000; i++) expect(limiter.admit(`kind ${i}`)).toEqual({ suppressed: 0 });
    // The oldest kinds were forgotten, so they log again; the newest are still limited.
    expect(limiter.admit("kind 0")).toEqual({ suppressed: 0 });
    expect(limiter.admit("kind 999")).toBeUndefined();
    expect((limiter as unknown as { kinds: Map<string, unknown> }).kinds.size).toBeLessThanOrEqual(
      256,
    );
  });
});
