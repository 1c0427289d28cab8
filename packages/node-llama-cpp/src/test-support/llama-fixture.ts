import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, type Llama, type LlamaContext, type LlamaModel } from "node-llama-cpp";
import { writeGeneratedModel } from "../testing/generated-model.js";

/** Real llama.cpp (its prebuilt CPU build) on a freshly generated tiny model. */
export interface LlamaFixture {
  readonly llama: Llama;
  readonly model: LlamaModel;
  /** A context with `sequences` sequences, one thread (the machine may have two cores). */
  context(sequences: number, contextSize?: number): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export async function loadLlamaFixture(): Promise<LlamaFixture> {
  const dir = mkdtempSync(join(tmpdir(), "llm-journey-llama-"));
  const { path } = writeGeneratedModel(join(dir, "tiny.gguf"));
  const llama = await getLlama({ gpu: false, build: "never", progressLogs: false });
  const model = await llama.loadModel({ modelPath: path });
  const contexts: LlamaContext[] = [];
  return {
    llama,
    model,
    async context(sequences, contextSize = 512) {
      const context = await model.createContext({ sequences, contextSize, threads: 1 });
      contexts.push(context);
      return context;
    },
    async dispose() {
      for (const context of contexts) await context.dispose();
      await model.dispose();
      await llama.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
