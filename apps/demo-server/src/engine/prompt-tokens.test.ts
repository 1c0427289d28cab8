import fc from "fast-check";
import { countTokens } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { countPromptTokens, MAX_TOKEN_CHARS } from "./prompt-tokens.js";

const PLAIN_TEXT_ONLY = { disallowedSpecial: new Set<string>() };
const PROSE =
  "Continuous batching lets a server add new requests to the running batch at every step, " +
  "so a short request never waits for a long one to finish.\n\n";

function count(prompt: string, limit: number, sliceMs?: number): Promise<number> {
  return new Promise((resolve) => {
    countPromptTokens(prompt, { limit, ...(sliceMs !== undefined ? { sliceMs } : {}) }, resolve);
  });
}

describe("countPromptTokens", () => {
  it("counts ordinary text exactly as the tokenizer does on the whole text", async () => {
    const prose = PROSE.repeat(40);
    const code = "function add(a, b) {\n  return a + b; // sum\n}\n".repeat(60);
    for (const text of [prose, code, "", "hello", "<|endoftext|> is plain text here"]) {
      expect(await count(text, 1_000_000)).toBe(countTokens(text, PLAIN_TEXT_ONLY));
    }
  });

  it("stays within 2% of the whole-text count on any text, unbroken runs included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 300 }),
            fc.string({ unit: "grapheme", maxLength: 200 }),
            fc.constantFrom(" ", "a", "\n", "中", "😀").map((c) => c.repeat(500)),
          ),
          { maxLength: 8 },
        ),
        async (parts) => {
          const text = parts.join("");
          const exact = countTokens(text, PLAIN_TEXT_ONLY);
          const counted = await count(text, 1_000_000);
          expect(Math.abs(counted - exact)).toBeLessThanOrEqual(Math.ceil(exact * 0.02) + 2);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("answers at once, without reading the text, when its length alone exceeds the limit", () => {
    let tokens: number | undefined;
    const prompt = "a".repeat(100 * MAX_TOKEN_CHARS + 1);
    countPromptTokens(prompt, { limit: 100 }, (n) => {
      tokens = n;
    });
    expect(tokens).toBe(101);
  });

  it("stops past the limit with a lower bound above it", async () => {
    // Short enough that its length alone does not settle it: 45,000 characters, ~8,000 tokens.
    const prompt = PROSE.repeat(300);
    expect(prompt.length).toBeLessThan(500 * MAX_TOKEN_CHARS);
    const tokens = await count(prompt, 500);
    expect(tokens).toBeGreaterThan(500);
    // One segment at most past the limit: far less than the whole prompt.
    expect(tokens).toBeLessThan(600);
    expect(countTokens(prompt, PLAIN_TEXT_ONLY)).toBeGreaterThan(7_000);
  });

  it("counts a short prompt in the same call", () => {
    let tokens: number | undefined;
    countPromptTokens("hello world", { limit: 100 }, (n) => {
      tokens = n;
    });
    expect(tokens).toBe(2);
  });

  it("continues a long count in later turns of the event loop, and never calls back once cancelled", async () => {
    const prompt = "a b c d e f ".repeat(50_000);
    let tokens: number | undefined;
    const cancel = countPromptTokens(prompt, { limit: 1_000_000, sliceMs: 0 }, (n) => {
      tokens = n;
    });
    expect(tokens).toBeUndefined();
    cancel();
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tokens).toBeUndefined();
    expect(await count(prompt, 1_000_000, 0)).toBe(countTokens(prompt, PLAIN_TEXT_ONLY));
  });

  it("never splits a surrogate pair", async () => {
    // Segments of 128 UTF-16 units would end inside a pair at an odd offset.
    const prompt = `x${"😀".repeat(400)}`;
    expect(await count(prompt, 1_000_000)).toBe(countTokens(prompt, PLAIN_TEXT_ONLY));
  });
});
