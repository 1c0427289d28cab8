import { type EngineCounts, ZERO_COUNTS } from "./engine-contract.js";
import type { EngineOptions } from "./engine-options.js";
import type { AddMessage, FromEngineMessage, ToEngineMessage } from "./engine-protocol.js";
import type { EngineTracing } from "./engine-tracing.js";

/** What every engine host is built with. */
export interface WorkerHostOptions {
  readonly options: EngineOptions;
  /** Sends a message to the HTTP thread. */
  readonly post: (message: FromEngineMessage) => void;
  /** How often live counts are pushed when they changed. Default: 1000 ms. */
  readonly statsIntervalMs?: number;
}

/**
 * What every engine does the same way in the worker: answering the HTTP thread's messages
 * (heartbeats, counts, open journeys), pushing its counts when they change, and the order
 * of a shutdown. An engine host says how to add, abort and stop, and what it counts.
 */
export abstract class WorkerHost {
  private readonly statsTimer: ReturnType<typeof setInterval>;
  private lastPostedStats = "";
  /** Set by the shutdown message: new requests are then refused as `aborted`. */
  protected stopping = false;

  constructor(
    /** Sends a message to the HTTP thread. */
    protected readonly post: (message: FromEngineMessage) => void,
    protected readonly tracing: EngineTracing,
    statsIntervalMs = 1000,
  ) {
    this.statsTimer = setInterval(() => this.postStats(undefined, true), statsIntervalMs).unref();
  }

  /** The engine's own counts; the core tracer's are added by `stats()`. */
  protected abstract engineCounts(): Partial<EngineCounts>;
  protected abstract add(message: AddMessage): void;
  /** Ends the request as `aborted`; unknown ids are ignored. */
  protected abstract abort(requestId: string): void;
  /** Aborts every request, ending its `llm_core` span, and releases the engine's resources. */
  protected abstract stop(): Promise<void>;

  /** Live counts of the engine and its core tracer. */
  stats(): EngineCounts {
    const { core, spansDropped } = this.tracing;
    const { activeSpans, trackedEntries, closedByWatchdog } = core;
    const tracer = { activeSpans, trackedEntries, closedByWatchdog, spansDropped };
    return { ...ZERO_COUNTS, ...this.engineCounts(), ...tracer };
  }

  /** Handles one message from the HTTP thread. Never throws. */
  handle(message: ToEngineMessage): void {
    try {
      switch (message.type) {
        case "add":
          this.add(message);
          break;
        case "abort":
          this.abort(message.requestId);
          break;
        case "heartbeat":
          this.post({ type: "heartbeat" });
          break;
        case "stats-request":
          this.postStats(message.id, false);
          break;
        case "journeys-request":
          this.post({
            type: "journeys",
            id: message.id,
            journeys: this.tracing.core.openJourneys(),
          });
          break;
        case "shutdown":
          void this.shutdown();
          break;
      }
    } catch (error) {
      this.tracing.onError(error, `engine ${message.type}`);
    }
  }

  /**
   * Stops the engine, sends the last spans and flushes OTLP, then says so with the final
   * counts. Once only.
   */
  protected async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.statsTimer);
    try {
      await this.stop();
      await this.tracing.shutdown();
    } catch (error) {
      this.tracing.onError(error, "engine shutdown");
    } finally {
      this.postStats(undefined, false);
      this.post({ type: "shutdown-complete" });
    }
  }

  protected postStats(id: number | undefined, onlyIfChanged: boolean): void {
    const stats = this.stats();
    const key = JSON.stringify(stats);
    if (onlyIfChanged && key === this.lastPostedStats) return;
    this.lastPostedStats = key;
    this.post({ type: "stats", ...(id !== undefined ? { id } : {}), ...stats });
  }
}
