import { describe, expect, it } from "vitest";
import { createRateLimitedErrorHandler, describeError } from "./tracing-error-reporter.js";

describe("the rate-limited error handler", () => {
  it("logs the first failure, then one line per interval with a suppressed count", () => {
    const lines: string[] = [];
    let now = 0;
    const handler = createRateLimitedErrorHandler({
      intervalMs: 1000,
      log: (l) => lines.push(l),
      now: () => now,
    });
    for (let i = 0; i < 50; i++) handler(new Error("export refused"), "export");
    now = 1500;
    handler(new TypeError("bad span"), "requestAdded");
    expect(lines).toEqual([
      "[llm-journey] tracing failed in export: Error: export refused",
      "[llm-journey] tracing failed in requestAdded: TypeError: bad span (49 similar failures suppressed)",
    ]);
  });

  it("never throws, even when the logger does", () => {
    const handler = createRateLimitedErrorHandler({
      log: () => {
        throw new Error("logger down");
      },
    });
    expect(() => handler(new Error("x"), "op")).not.toThrow();
  });

  it("describes errors in one line without a stack", () => {
    expect(describeError(new RangeError("out"))).toBe("RangeError: out");
    expect(describeError("plain")).toBe("plain");
    expect(describeError(Object.create(null))).toBe("unprintable error");
  });
});
