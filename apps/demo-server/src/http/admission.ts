import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { OpenAiHttpError } from "../openai/openai-error.js";
import type { ConnectionRequests } from "./connection-requests.js";

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
 *
 * A connection that keeps pipelining past its share, with more than twice its share
 * unanswered, is closed. Its refusals would otherwise pile up behind its answers in
 * progress until Node stops reading the connection, and a connection that is not read
 * cannot tell that its client has left: the requests it holds in the engine would run
 * to their end for nobody.
 */
export class Admission {
  private inEngine = 0;
  private readonly perConnection = new WeakMap<Socket, number>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly connections: ConnectionRequests,
  ) {}

  /**
   * Takes a place for `request`: returns the function that gives it back (idempotent),
   * or throws the 429 that refuses it.
   */
  admit(request: IncomingMessage): () => void {
    const connection = request.socket as Socket;
    const held = this.perConnection.get(connection) ?? 0;
    if (held >= this.limits.maxPerConnection) {
      if (this.connections.unanswered(connection) > 2 * this.limits.maxPerConnection) {
        this.connections.shed(connection);
      }
      throw new OpenAiHttpError(
        429,
        `this connection already has ${held} requests in the engine (--max-pipelined-requests); wait for their answers or use another connection`,
        { type: "requests", code: "too_many_pipelined_requests" },
      );
    }
    if (this.inEngine >= this.limits.maxInEngine) {
      throw new OpenAiHttpError(
        429,
        "the server is overloaded: its queue is full (--max-queued-requests); retry later",
        { type: "requests", code: "queue_full" },
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
