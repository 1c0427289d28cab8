import { describe, expect, it } from "vitest";
import {
  MAX_NATURAL_LENGTH,
  MIN_NATURAL_LENGTH,
  SIMULATED_VOCABULARY,
  simulateText,
} from "./text-generator.js";

describe("simulateText", () => {
  it("gives the same prompt the same tokens and length, and another prompt others", () => {
    const a = simulateText("the same prompt");
    const b = simulateText("the same prompt");
    const c = simulateText("another prompt");
    const words = (text: typeof a) => Array.from({ length: 32 }, (_, i) => text.token(i)).join("");
    expect(words(b)).toBe(words(a));
    expect(b.naturalLength).toBe(a.naturalLength);
    expect(words(c)).not.toBe(words(a));
  });

  it("emits one placeholder word per token, spaced after the first", () => {
    const text = simulateText("anything");
    expect(text.token(0)).not.toMatch(/^ /);
    for (let i = 0; i < 50; i++) {
      const token = text.token(i);
      if (i > 0) expect(token).toMatch(/^ \S+$/);
      expect(SIMULATED_VOCABULARY).toContain(token.trim().replace(/\.$/, ""));
    }
  });

  it("ends naturally somewhere between the shortest and longest length", () => {
    const lengths = Array.from(
      { length: 200 },
      (_, i) => simulateText(`prompt ${i}`).naturalLength,
    );
    for (const length of lengths) {
      expect(length).toBeGreaterThanOrEqual(MIN_NATURAL_LENGTH);
      expect(length).toBeLessThanOrEqual(MAX_NATURAL_LENGTH);
    }
    expect(new Set(lengths).size).toBeGreaterThan(50);
  });
});
