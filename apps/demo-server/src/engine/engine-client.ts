import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { OpenCoreJourney } from "@llm-journey/tracer-core";
import {
  type Engine,
  type EngineCounts,
  type FinishedEvent,
  type ForwardedSpan,
  type GenerationRequest,
  type ModelCard,
  ZERO_COUNTS,
} from "./engine-contract.js";
import {
  type EngineOptions,
  type EngineOptionsInput,
  resolveEngineOptions,
} from "./engine-options.js";
import type { FromEngineMessage, ToEngineMessage } from "./engine-protocol.js";
import { EngineEventStream } from "./engine-stream.js";
import { modelCardOf } from "./model-card.js";

/** The `error` of every request in flight when the engine worker dies under it. */
export const ENGINE_WORKER_EXITED = "engine worker exited";

/** A request to submit; `stop` and `traceHeaders` may be left out. */
export type EngineRequestSubmission = Omit<GenerationRequest, "stop" | "traceHeaders"> &
  Partial<Pick<GenerationRequest, "stop" | "traceHeaders">>;

export interface EngineClientOptions {
  /**
   * The worker entry point. Default: `engine-worker.js` beside this module, which is
   * where `tsc` puts it in `dist/engine/`. When this module runs from its TypeScript
   * source (vitest, tsx), Node cannot start a `.ts` worker, so the default is the built
   * `dist/engine/engine-worker.js`: build the package first.
   */
  readonly workerUrl?: URL;
  /** How long `shutdown()` waits for the worker to abort, end and flush. Default: 10 000 ms. */
  readonly shutdownTimeoutMs?: number;
  /** How long `stats()` and `openJourneys()` wait for the worker's reply. Default: 5000 ms. */
  readonly statsTimeoutMs?: number;
  /**
   * How often a heartbeat is sent to the worker, which answers as soon as its event loop
   * is free; `unansweredHeartbeatMs` says how long one has been waiting. Default: 1000 ms.
   */
  readonly heartbeatIntervalMs?: number;
}

/** Workers that die before reporting ready, in a row, before the client gives up. */
const MAX_CONSECUTIVE_CRASHES = 3;

/** Everything the client keeps for one request: removed with its `finished` event. */
interface InFlight {
  readonly stream: EngineEventStream;
  promptTokens: number;
  outputTokens: number;
  abortSent: boolean;
}

/** A question to the worker (`stats-request`, `journeys-request`) waiting for its reply. */
interface ReplyWaiter {
  /** The question, asked again of a new worker if the one asked dies. */
  readonly request: Extract<ToEngineMessage, { id: number }>;
  /** Method syntax on purpose: each waiter's promise resolves with its own reply type. */
  resolve(reply: unknown): void;
  readonly reject: (error: Error) => void;
  /** The answer once the engine has stopped. */
  readonly whenStopped: () => unknown;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The engine, run in a worker thread: the engine contract's implementation for the HTTP
 * thread. The worker runs the simulated engine, or llama.cpp when `options.llamaCpp` is set.
 *
 * If the worker dies unexpectedly, every request in flight ends at once with `finished`
 * `{ status: "error", error: "engine worker exited" }` and a fresh worker is started, so
 * the server keeps serving; the dead worker's open `llm_core` spans are lost with it.
 * After three workers in a row die before becoming ready, the client stops restarting and
 * fails every later request the same way.
 */
export class EngineClient implements Engine {
  /** The resolved options the worker runs with. */
  readonly options: EngineOptions;
  readonly model: ModelCard;
  private readonly workerUrl: URL;
  private readonly shutdownTimeoutMs: number;
  private readonly statsTimeoutMs: number;
  private worker: Worker;
  private readonly requests = new Map<string, InFlight>();
  private readonly spanListeners = new Listeners<ForwardedSpan[]>();
  private readonly recordListeners = new Listeners<unknown>();
  private readonly replyWaiters = new Map<number, ReplyWaiter>();
  private nextReplyId = 1;
  private latestCounts: EngineCounts = ZERO_COUNTS;
  private state: "running" | "stopping" | "stopped" = "running";
  /** Set once the client gave up restarting workers. */
  private failure: string | undefined;
  private restartCount = 0;
  private consecutiveCrashes = 0;
  private lastWorkerError: Error | undefined;
  private startup: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private shutdownComplete: (() => void) | undefined;
  private stopped: Promise<void> | undefined;
  private readonly heartbeatTimer: ReturnType<typeof setInterval>;
  /** When the oldest heartbeat not yet answered was sent (`performance.now()`). */
  private heartbeatSentAt: number | undefined;

  private constructor(options: EngineOptions, clientOptions: EngineClientOptions, workerUrl: URL) {
    this.options = options;
    this.model = modelCardOf(options);
    this.workerUrl = workerUrl;
    this.shutdownTimeoutMs = clientOptions.shutdownTimeoutMs ?? 10_000;
    this.statsTimeoutMs = clientOptions.statsTimeoutMs ?? 5_000;
    this.worker = this.spawn();
    this.heartbeatTimer = setInterval(() => {
      this.heartbeatSentAt ??= performance.now();
      this.send({ type: "heartbeat" });
    }, clientOptions.heartbeatIntervalMs ?? 1_000).unref();
  }

  /**
   * Validates the options (throwing a `RangeError` or `TypeError` that names a bad one),
   * starts the engine worker and resolves once it takes requests.
   */
  static async start(
    options: EngineOptionsInput = {},
    clientOptions: EngineClientOptions = {},
  ): Promise<EngineClient> {
    const resolved = resolveEngineOptions(options);
    const workerUrl = clientOptions.workerUrl ?? defaultWorkerUrl();
    if (!existsSync(workerUrl)) {
      throw new Error(
        `the engine worker was not found at ${fileURLToPath(workerUrl)}: build @llm-journey/demo-server first`,
      );
    }
    const client = new EngineClient(resolved, clientOptions, workerUrl);
    await new Promise<void>((resolve, reject) => {
      client.startup = { resolve, reject };
    });
    return client;
  }

  /** Requests submitted and not yet finished. 0 when idle: nothing else is kept per request. */
  get inFlight(): number {
    return this.requests.size;
  }

  /** Workers started to replace one that died. */
  get restarts(): number {
    return this.restartCount;
  }

  /**
   * How long the oldest heartbeat the worker has not answered has been waiting, in ms; 0
   * when every one was answered. It grows while the engine's event loop is blocked, or
   * while no worker runs.
   */
  get unansweredHeartbeatMs(): number {
    return this.heartbeatSentAt === undefined ? 0 : performance.now() - this.heartbeatSentAt;
  }

  /** The latest counts the worker reported, without waiting. */
  get lastCounts(): EngineCounts {
    return this.latestCounts;
  }

  /**
   * Queues a request in the engine and returns its events. Throws if a request with the
   * same id is still in flight. After shutdown the stream ends at once as `aborted`.
   */
  submit(request: EngineRequestSubmission): EngineEventStream {
    const { requestId } = request;
    if (this.requests.has(requestId)) {
      throw new Error(`request ${requestId} is already in flight`);
    }
    const stream = new EngineEventStream(requestId, () => this.abort(requestId));
    if (this.state !== "running" || this.failure !== undefined) {
      stream.push({
        type: "finished",
        status: this.failure === undefined ? "aborted" : "error",
        promptTokens: 0,
        outputTokens: 0,
        ...(this.failure !== undefined ? { error: this.failure } : {}),
      });
      return stream;
    }
    this.send({
      type: "add",
      requestId,
      prompt: request.prompt,
      maxTokens: request.maxTokens,
      stop: request.stop ?? [],
      ...(request.sampling !== undefined ? { sampling: request.sampling } : {}),
      traceHeaders: request.traceHeaders ?? {},
    });
    // Tracked only once the message went out: a request that cannot be sent leaves nothing.
    this.requests.set(requestId, { stream, promptTokens: 0, outputTokens: 0, abortSent: false });
    return stream;
  }

  /**
   * Asks the engine to end the request as `aborted`; its stream then ends with that
   * `finished` event (or with its real end, if it finished first). Idempotent; unknown
   * or finished ids are ignored.
   */
  abort(requestId: string): void {
    const request = this.requests.get(requestId);
    if (request === undefined || request.abortSent) return;
    request.abortSent = true;
    this.send({ type: "abort", requestId });
  }

  /**
   * Receives every batch of ended `llm_core` and `llm_step` spans, as JSON text with what
   * files them. Returns a function that unsubscribes.
   */
  onSpans(listener: (spans: ForwardedSpan[]) => void): () => void {
    return this.spanListeners.add(listener);
  }

  /**
   * Receives the records of the second journey stream (`tracing.journeyStream`) of each
   * step, before the outputs of that step. Returns a function that unsubscribes.
   */
  onJourneyRecords(listener: (records: unknown) => void): () => void {
    return this.recordListeners.add(listener);
  }

  /** Fresh counts from the worker. After shutdown, the last ones it reported. */
  counts(): Promise<EngineCounts> {
    return this.ask<EngineCounts>("stats-request", "its stats", () => this.latestCounts);
  }

  /** The core tracer's open journeys, read in the worker now. After shutdown, none. */
  openJourneys(): Promise<OpenCoreJourney[]> {
    return this.ask<OpenCoreJourney[]>("journeys-request", "its open journeys", () => []);
  }

  /** Asks the worker a `type` question about `what`, answered by the message with its id. */
  private ask<T>(
    type: ReplyWaiter["request"]["type"],
    what: string,
    whenStopped: () => T,
  ): Promise<T> {
    if (this.state === "stopped") return Promise.resolve(whenStopped());
    if (this.failure !== undefined) return Promise.reject(new Error(this.failure));
    const id = this.nextReplyId++;
    const request = { type, id };
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replyWaiters.delete(id);
        reject(new Error(`the engine did not report ${what} within ${this.statsTimeoutMs} ms`));
      }, this.statsTimeoutMs);
      this.replyWaiters.set(id, { request, resolve, reject, whenStopped, timer });
      this.send(request);
    });
  }

  /** Settles the waiter for `id` with the worker's reply; unknown ids are ignored. */
  private answer(id: number, reply: unknown): void {
    const waiter = this.replyWaiters.get(id);
    if (waiter === undefined) return;
    this.replyWaiters.delete(id);
    clearTimeout(waiter.timer);
    waiter.resolve(reply);
  }

  /**
   * Stops the engine: every request in flight ends as `aborted` (and so does its
   * `llm_core` span), the spans are delivered and exported, then the worker is stopped.
   * Waits at most `shutdownTimeoutMs` for the worker. Safe to call twice.
   */
  shutdown(): Promise<void> {
    this.stopped ??= this.stop();
    return this.stopped;
  }

  /**
   * Test hook: kills the worker the way a crash would, to exercise recovery.
   * @internal
   */
  async crashWorkerForTests(): Promise<void> {
    await this.worker.terminate();
  }

  private async stop(): Promise<void> {
    if (this.state === "stopped") return;
    clearInterval(this.heartbeatTimer);
    if (this.failure !== undefined) {
      this.state = "stopped";
      return;
    }
    this.state = "stopping";
    const complete = new Promise<void>((resolve) => {
      this.shutdownComplete = resolve;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.shutdownTimeoutMs);
    });
    this.send({ type: "shutdown" });
    await Promise.race([complete, timeout]);
    clearTimeout(timer);
    this.state = "stopped";
    await this.worker.terminate();
    // Only requests the worker never answered for (a timed-out shutdown) are left.
    this.endAll({ status: "aborted", error: "the engine shut down" });
    for (const [id, waiter] of this.replyWaiters) this.answer(id, waiter.whenStopped());
  }

  private spawn(): Worker {
    const worker = new Worker(this.workerUrl, {
      workerData: this.options,
      name: "llm-journey-engine",
    });
    worker.on("message", (message: FromEngineMessage) => this.receive(worker, message));
    worker.on("error", (error) => {
      this.lastWorkerError = error;
    });
    worker.on("exit", () => this.exited(worker));
    return worker;
  }

  private send(message: ToEngineMessage): void {
    this.worker.postMessage(message);
  }

  private receive(worker: Worker, message: FromEngineMessage): void {
    if (worker !== this.worker) return;
    switch (message.type) {
      case "ready":
        this.consecutiveCrashes = 0;
        this.startup?.resolve();
        this.startup = undefined;
        break;
      case "tokens": {
        const request = this.requests.get(message.requestId);
        if (request === undefined) break;
        const { text, outputTokens } = message;
        request.promptTokens = message.promptTokens;
        request.outputTokens = outputTokens;
        request.stream.push({ type: "token", text, outputTokens });
        break;
      }
      case "finished": {
        const { requestId, ...finished } = message;
        const request = this.requests.get(requestId);
        if (request === undefined) break;
        this.requests.delete(requestId);
        request.stream.push(finished);
        break;
      }
      case "spans":
        this.spanListeners.emit(message.spans);
        break;
      case "journey-records":
        this.recordListeners.emit(message.records);
        break;
      case "stats": {
        const { type: _type, id, ...counts } = message;
        this.latestCounts = counts;
        if (id !== undefined) this.answer(id, counts);
        break;
      }
      case "journeys":
        this.answer(message.id, message.journeys);
        break;
      case "shutdown-complete":
        this.shutdownComplete?.();
        break;
      case "heartbeat":
        this.heartbeatSentAt = undefined;
        break;
    }
  }

  private exited(worker: Worker): void {
    if (worker !== this.worker) return;
    // Died while shutting down: nothing more will come, stop waiting for it.
    if (this.state === "stopping") this.shutdownComplete?.();
    if (this.state !== "running") return;
    const cause = this.lastWorkerError?.message;
    this.lastWorkerError = undefined;
    this.endAll({ status: "error", error: ENGINE_WORKER_EXITED });
    if (this.startup !== undefined) {
      this.state = "stopped";
      clearInterval(this.heartbeatTimer);
      this.startup.reject(
        new Error(`the engine worker exited before it was ready${cause ? `: ${cause}` : ""}`),
      );
      this.startup = undefined;
      return;
    }
    this.consecutiveCrashes++;
    if (this.consecutiveCrashes > MAX_CONSECUTIVE_CRASHES) {
      this.failure = ENGINE_WORKER_EXITED;
      for (const [id, waiter] of this.replyWaiters) {
        clearTimeout(waiter.timer);
        this.replyWaiters.delete(id);
        waiter.reject(new Error(ENGINE_WORKER_EXITED));
      }
      return;
    }
    this.restartCount++;
    this.latestCounts = ZERO_COUNTS;
    this.worker = this.spawn();
    // The dead worker's unanswered heartbeat is asked again of the new one.
    if (this.heartbeatSentAt !== undefined) this.send({ type: "heartbeat" });
    // Questions asked of the dead worker are asked again of the new one.
    for (const waiter of this.replyWaiters.values()) this.send(waiter.request);
  }

  /** Ends every stream still in flight with the same `finished` event, and forgets them. */
  private endAll(finish: Pick<FinishedEvent, "status" | "error">): void {
    const requests = [...this.requests.values()];
    this.requests.clear();
    for (const request of requests) {
      request.stream.push({
        type: "finished",
        status: finish.status,
        promptTokens: request.promptTokens,
        outputTokens: request.outputTokens,
        ...(finish.error !== undefined ? { error: finish.error } : {}),
      });
    }
  }
}

/** Listeners of one kind of message from the worker. */
class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  /** Returns a function that unsubscribes. */
  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch {
        // A failing listener must not stop the others or the engine's messages.
      }
    }
  }
}

function defaultWorkerUrl(): URL {
  // From sources the module is a .ts file, and Node cannot start a .ts worker.
  return import.meta.url.endsWith(".ts")
    ? new URL("../../dist/engine/engine-worker.js", import.meta.url)
    : new URL("./engine-worker.js", import.meta.url);
}
