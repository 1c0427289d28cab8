import type { EngineCounts } from "./engine-contract.js";
import type { AddMessage, FromEngineMessage, ToEngineMessage } from "./engine-protocol.js";
import type { EngineTracing } from "./engine-tracing.js";

/**
 * What every engine does the same way in the worker: answering the HTTP thread's messages
 * (heartbeats, counts, open journeys) and pushing its counts when they change. An engine
 * host says how to add, abort and shut down, and what its counts are.
 */
export abstract class WorkerHost {
  private readonly statsTimer: ReturnType<typeof setInterval>;
  private lastPostedStats = "";

  constructor(
    /** Sends a message to the HTTP thread. */
    protected readonly post: (message: FromEngineMessage) => void,
    protected readonly tracing: EngineTracing,
    statsIntervalMs = 1000,
  ) {
    this.statsTimer = setInterval(() => this.postStats(undefined, true), statsIntervalMs);
    this.statsTimer.unref();
  }

  /** Live counts of the engine and its core tracer. */
  abstract stats(): EngineCounts;
  protected abstract add(message: AddMessage): void;
  /** Ends the request as `aborted`; unknown ids are ignored. */
  protected abstract abort(requestId: string): void;
  /** Aborts everything, ends and flushes every span, then posts `shutdown-complete`. */
  protected abstract shutdown(): Promise<void>;

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

  /** Stops pushing counts: the engine is shutting down. */
  protected stopStats(): void {
    clearInterval(this.statsTimer);
  }

  protected postStats(id: number | undefined, onlyIfChanged: boolean): void {
    const stats = this.stats();
    const key = JSON.stringify(stats);
    if (onlyIfChanged && key === this.lastPostedStats) return;
    this.lastPostedStats = key;
    this.post({ type: "stats", ...(id !== undefined ? { id } : {}), ...stats });
  }
}
