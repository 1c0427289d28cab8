import { renameSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaEngine, LlamaGeneration } from "@llm-journey/node-llama-cpp";
import type { Llama, LlamaContext, LlamaModel } from "node-llama-cpp";
import type { EngineCounts, FinishedEvent } from "./engine-contract.js";
import type { LlamaCppOptions } from "./engine-options.js";
import type { AddMessage } from "./engine-protocol.js";
import { EngineTracing } from "./engine-tracing.js";
import { WorkerHost, type WorkerHostOptions } from "./worker-host.js";

/** The most tokens of context each sequence gets (less if the model was trained on less). */
const MAX_SEQUENCE_CONTEXT = 2048;

/** Where the generated tiny model is written when no model file is given. */
export function generatedModelPath(): string {
  return join(tmpdir(), "llm-journey", "generated-tiny.gguf");
}

/**
 * Writes the generated tiny model (random weights, a few hundred kilobytes, milliseconds)
 * to its temporary path, whole or not at all: a server already running on the previous
 * file keeps reading it, and the file is always the current generator's.
 */
async function writeTinyModel(): Promise<string> {
  const { writeGeneratedModel } = await import("@llm-journey/node-llama-cpp/testing");
  const path = generatedModelPath();
  await mkdir(join(path, ".."), { recursive: true });
  const partial = `${path}.${process.pid}.${Date.now()}.partial`;
  writeGeneratedModel(partial);
  renameSync(partial, path);
  return path;
}

/** The package's status, as the engine contract names it. */
type LlamaStatus = "stopped" | "length" | "aborted" | "error";

/** llama.cpp's resources, disposed in reverse order at shutdown. */
interface LlamaResources {
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly engine: LlamaEngine;
}

/**
 * The worker's side of the engine over llama.cpp: the same messages as the simulated
 * engine's host, with `@llm-journey/node-llama-cpp`'s traced engine over one context of
 * `maxNumSeqs` sequences in place of the simulated scheduler. llama.cpp computes each batch
 * on its own threads, so this thread's event loop stays free for aborts, heartbeats and
 * counts while it generates.
 */
export class LlamaEngineHost extends WorkerHost {
  private readonly resources: LlamaResources;
  /** Requests in the engine, by id, until their `finished` message is posted. */
  private readonly generations = new Map<string, LlamaGeneration>();
  /** Each request's stream being relayed, so that shutdown waits for their last messages. */
  private readonly relays = new Set<Promise<void>>();

  private constructor(host: WorkerHostOptions, tracing: EngineTracing, resources: LlamaResources) {
    super(host.post, tracing, host.statsIntervalMs);
    this.resources = resources;
  }

  /**
   * Loads llama.cpp's prebuilt CPU build (never building or downloading one), the model
   * (writing the generated one first when no file is given) and a context of `maxNumSeqs`
   * sequences. A model that cannot be loaded rejects, with whatever was loaded disposed.
   */
  /** `host.options` must have `llamaCpp` set. */
  static async create(host: WorkerHostOptions): Promise<LlamaEngineHost> {
    const { options } = host;
    const llamaOptions = options.llamaCpp as LlamaCppOptions;
    const tracing = new EngineTracing(options.tracing, (spans) =>
      host.post({ type: "spans", spans }),
    );
    const [{ getLlama, LlamaLogLevel }, { createLlamaEngine }] = await Promise.all([
      import("node-llama-cpp"),
      import("@llm-journey/node-llama-cpp"),
    ]);
    const modelPath = llamaOptions.modelPath ?? (await writeTinyModel());
    const llama = await getLlama({
      gpu: false,
      build: "never",
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    });
    let model: LlamaModel | undefined;
    let context: LlamaContext | undefined;
    try {
      model = await llama.loadModel({ modelPath });
      context = await model.createContext({
        sequences: options.maxNumSeqs,
        contextSize: Math.min(MAX_SEQUENCE_CONTEXT, model.trainContextSize),
        threads: llamaOptions.threads,
      });
      const engine = await createLlamaEngine({
        context,
        // Without tracing, no tracer at all: the engine then observes no batch.
        ...(options.tracing.enabled ? { tracer: tracing.core } : {}),
        // The HTTP side's admission bounds the queue (`--max-queued-requests`).
        maxQueued: Number.MAX_SAFE_INTEGER,
        onError: tracing.onError,
      });
      return new LlamaEngineHost(host, tracing, { llama, model, context, engine });
    } catch (error) {
      await context?.dispose();
      await model?.dispose();
      await llama.dispose();
      await tracing.shutdown();
      throw error;
    }
  }

  protected abort(requestId: string): void {
    this.generations.get(requestId)?.abort();
  }

  /** Live counts of the engine; there are no KV blocks to count here. */
  protected engineCounts(): Partial<EngineCounts> {
    return { running: this.resources.engine.running, waiting: this.resources.engine.queued };
  }

  protected add(message: AddMessage): void {
    const { requestId } = message;
    if (this.stopping) {
      this.postFinished(requestId, { status: "aborted", promptTokens: 0, outputTokens: 0 });
      return;
    }
    let generation: LlamaGeneration;
    try {
      generation = this.resources.engine.submit({
        requestId,
        prompt: message.prompt,
        maxTokens: message.maxTokens,
        stop: message.stop,
        // Named as node-llama-cpp names them; none: greedy.
        sampling: message.sampling,
        traceHeaders: message.traceHeaders,
      });
    } catch (error) {
      // Refused before it was queued or traced: a prompt that does not fit the context is
      // the client's (`ignored`, as the simulated engine's KV cache does), the rest ours.
      this.postFinished(requestId, {
        status: error instanceof RangeError ? "ignored" : "error",
        promptTokens: 0,
        outputTokens: 0,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    this.generations.set(requestId, generation);
    const relay = this.relay(generation).finally(() => {
      this.generations.delete(requestId);
      this.relays.delete(relay);
    });
    this.relays.add(relay);
  }

  /** Posts a request's text as it comes, then its one `finished` message. */
  private async relay(generation: LlamaGeneration): Promise<void> {
    const { requestId, promptTokens } = generation;
    let outputTokens = 0;
    let counted: unknown;
    try {
      for await (const chunk of generation) {
        // Chunks of one sampled token share its array: count each array once.
        if (chunk.tokens !== counted) {
          counted = chunk.tokens;
          outputTokens += chunk.tokens.length;
        }
        if (chunk.text.length > 0) {
          this.post({ type: "tokens", requestId, text: chunk.text, outputTokens, promptTokens });
        }
      }
    } catch {
      // A generation that failed: `done` says how, below.
    }
    const result = await generation.done;
    this.postFinished(requestId, {
      status: result.status as LlamaStatus,
      promptTokens: result.promptTokens,
      outputTokens: result.outputTokens,
      ...(result.latencies !== undefined ? { latencies: result.latencies } : {}),
      ...(result.status === "error" ? { error: messageOf(result.error) } : {}),
    });
  }

  private postFinished(requestId: string, finished: Omit<FinishedEvent, "type">): void {
    this.post({ type: "finished", requestId, ...finished });
    // The request's llm_core span ended with it: send it now rather than on the timer.
    this.tracing.flush();
  }

  /**
   * Aborts every request (their `llm_core` spans end with `finish.status = aborted`),
   * waits for their last messages, then disposes the context, the model and llama.cpp.
   */
  protected async stop(): Promise<void> {
    const { llama, model, context, engine } = this.resources;
    await engine.close();
    await Promise.all(this.relays);
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error ?? "generation failed");
}
