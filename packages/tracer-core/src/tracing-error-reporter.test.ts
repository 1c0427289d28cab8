import { describe, expect, it } from "vitest";
import { createRateLimitedErrorHandler, describeError } from "./tracing-error-reporter.js";
import { TracingNotice } from "./tracing-notice.js";

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

  it("logs a notice as what it is, not as a failure, and never suppresses it", () => {
    const lines: string[] = [];
    const handler = createRateLimitedErrorHandler({ log: (l) => lines.push(l), now: () => 0 });
    handler(new Error("export refused"), "export");
    handler(
      new TracingNotice("sampler-dropped-request", "info", "dropped by design"),
      "startJourney",
    );
    handler(new TracingNotice("no-sdk-registered", "warning", "register it"), "requestAdded");
    expect(lines).toEqual([
      "[llm-journey] tracing failed in export: Error: export refused",
      "[llm-journey] info from startJourney (sampler-dropped-request): dropped by design",
      "[llm-journey] warning from requestAdded (no-sdk-registered): register it",
    ]);
  });

  it("gives notices a type of their own that a handler can filter on", () => {
    const notice = new TracingNotice("no-sdk-registered", "warning", "register it");
    expect(notice).not.toBeInstanceOf(Error);
    expect([notice.name, notice.code, notice.severity]).toEqual([
      "TracingNotice",
      "no-sdk-registered",
      "warning",
    ]);
    expect(String(notice)).toBe("warning (no-sdk-registered): register it");
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
