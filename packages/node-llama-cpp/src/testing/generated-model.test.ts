import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaCompletion } from "node-llama-cpp";
import { afterAll, describe, expect, it } from "vitest";
import { GENERATED_MODEL_SHAPES, writeGeneratedModel } from "./generated-model.js";

const dir = mkdtempSync(join(tmpdir(), "llm-journey-gguf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeGeneratedModel", () => {
  it("writes a tiny llama model that llama.cpp loads, spells any text with, and runs", async () => {
    const written = writeGeneratedModel(join(dir, "tiny.gguf"));
    expect(written.parameters).toBe(127_552);

    const llama = await getLlama({ gpu: false, build: "never", progressLogs: false });
    try {
      const model = await llama.loadModel({ modelPath: written.path });
      expect(model.tokens.bos).toBe(written.bosTokenId);
      expect(model.tokens.eos).toBe(written.eosTokenId);
      expect(model.fileInsights.totalLayers).toBe(GENERATED_MODEL_SHAPES.tiny.blockCount + 1);
      const text = "Grüße, 世界! 👋 tabs\tand\nnewlines";
      const tokens = model.tokenize(text);
      expect(model.detokenize(tokens)).toBe(text);
      // Printable ASCII and spaces are one token each; the rest is spelled in UTF-8 bytes.
      expect(model.tokenize("ab c")).toHaveLength(5);

      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
      const generated: number[] = [];
      const { metadata } = await completion.generateCompletionWithMeta("Once upon a time", {
        maxTokens: 8,
        onToken: (chunk) => generated.push(...chunk),
      });
      expect(metadata.stopReason).toBe("maxTokens");
      expect(generated.length).toBeGreaterThan(0);
      await context.dispose();
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });

  it("writes the same file for the same seed and another for another seed", () => {
    const first = writeGeneratedModel(join(dir, "a.gguf"), { seed: 7 });
    const again = writeGeneratedModel(join(dir, "b.gguf"), { seed: 7 });
    const other = writeGeneratedModel(join(dir, "c.gguf"), { seed: 8 });
    expect(readFileSync(first.path).equals(readFileSync(again.path))).toBe(true);
    expect(readFileSync(first.path).equals(readFileSync(other.path))).toBe(false);
    expect(other.bytes).toBe(first.bytes);
  });

  it("names the option at fault", () => {
    // @ts-expect-error: not a size
    expect(() => writeGeneratedModel(join(dir, "x.gguf"), { size: "huge" })).toThrow(
      /size must be/,
    );
    expect(() => writeGeneratedModel(join(dir, "x.gguf"), { seed: 1.5 })).toThrow(/seed/);
  });
});
