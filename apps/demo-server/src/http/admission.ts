import { OpenAiHttpError } from "../openai/openai-error.js";

export interface AdmissionLimits {
  /** Generation requests in the engine at once, running or waiting: past it, 429. */
  maxInEngine: number;
  /** Of those, how many one connection may hold: past it, 429 for that connection. */
  maxPerConnection: number;
}

/**
 * Admission to the engine. A request takes a place before it is sent to the engine and
 * gives it back once the engine is done with it; past either limit it is refused with a
 * 429 at once, before the engine sees it. So the queue is bounded, and one connection
 * (a client that pipelines a thousand requests in one write) cannot take the engine from
 * the others.
 */
export class Admission {
  private inEngine = 0;
  private readonly perConnection = new WeakMap<object, number>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Requests holding a place now. */
  get admitted(): number {
    return this.inEngine;
  }

  /**
   * Takes a place for a request of `connection`: returns the function that gives it
   * back (idempotent), or throws the 429 that refuses it.
   */
  admit(connection: object): () => void {
    const held = this.perConnection.get(connection) ?? 0;
    if (held >= this.limits.maxPerConnection) {
      throw new OpenAiHttpError(
        429,
        `this connection already has ${held} requests in the engine (--max-pipelined-requests); wait for their answers or use another connection`,
        "requests",
        null,
        "too_many_pipelined_requests",
      );
    }
    if (this.inEngine >= this.limits.maxInEngine) {
      throw new OpenAiHttpError(
        429,
        "the server is overloaded: its queue is full (--max-queued-requests); retry later",
        "requests",
        null,
        "queue_full",
      );
    }
    this.inEngine++;
    this.perConnection.set(connection, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inEngine--;
      const left = (this.perConnection.get(connection) ?? 1) - 1;
      if (left > 0) this.perConnection.set(connection, left);
      else this.perConnection.delete(connection);
    };
  }
}
