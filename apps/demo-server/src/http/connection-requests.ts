import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** One request, from its headers until its response is finished or its client is gone. */
interface Entry {
  readonly request: IncomingMessage;
  /** Made when a handler first asks for the signal: most requests never do. */
  left: AbortController | undefined;
  /** undefined while unanswered; then true when the response was finished, false when lost. */
  delivered: boolean | undefined;
  readonly listeners: Array<(delivered: boolean) => void>;
}

/** A protocol error's answer, held until the requests before it have their own. */
interface HeldAnswer {
  readonly answer: () => void;
  /** The request the error belongs to, when its headers had arrived: it is not waited for. */
  readonly culprit: IncomingMessage | undefined;
}

/**
 * Every request on every connection, each its own request until its response is finished.
 *
 * A response's own `close` is not enough: Node queues the responses of pipelined requests
 * behind the one being written, and a queued response never emits `close` when the client
 * leaves (its request closes with `aborted` false). So the connection's `close` settles
 * every request on it whose response was not finished: each is told its client is gone,
 * and the engine stops generating for it at once.
 *
 * Per connection this holds one set and one `close` listener, both gone with the socket.
 */
export class ConnectionRequests {
  private readonly open = new WeakMap<Socket, Set<Entry>>();
  private readonly entries = new WeakMap<IncomingMessage, Entry>();
  private readonly held = new WeakMap<Socket, HeldAnswer>();
  private readonly shedConnections = new WeakSet<Socket>();

  /** Tracks every request the server receives, before any handler sees it. */
  attach(server: Server): void {
    server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
      this.entryOf(request, response);
    });
  }

  /** Fires when the request's connection ends (its client left) before its response is finished. */
  signal(request: IncomingMessage, response: ServerResponse): AbortSignal {
    const entry = this.entryOf(request, response);
    if (entry.left === undefined) {
      entry.left = new AbortController();
      if (entry.delivered === false) entry.left.abort();
    }
    return entry.left.signal;
  }

  /**
   * Calls `listener` once, when the request is settled: `true` once its response is
   * finished, `false` once its client is gone without it.
   */
  onSettled(
    request: IncomingMessage,
    response: ServerResponse,
    listener: (delivered: boolean) => void,
  ): void {
    const entry = this.entryOf(request, response);
    if (entry.delivered === undefined) entry.listeners.push(listener);
    else listener(entry.delivered);
  }

  /** Requests on this connection whose responses are not finished. */
  unanswered(socket: Socket): number {
    return this.open.get(socket)?.size ?? 0;
  }

  /**
   * Closes a connection that keeps more requests unanswered than the server will hold for
   * it: every request on it ends at once, as `wasShed` then tells.
   */
  shed(socket: Socket): void {
    this.shedConnections.add(socket);
    socket.destroy();
  }

  /** True when the server closed this connection for holding too many requests. */
  wasShed(socket: Socket): boolean {
    return this.shedConnections.has(socket);
  }

  /** The request on this connection whose body is still arriving, if any. */
  uploading(socket: Socket): IncomingMessage | undefined {
    for (const entry of this.open.get(socket) ?? []) {
      if (!entry.request.complete) return entry.request;
    }
    return undefined;
  }

  /** True while a protocol error's answer waits on this connection. */
  holdsAnswer(socket: Socket): boolean {
    return this.held.has(socket);
  }

  /**
   * Runs `answer` (which writes a protocol error and closes the connection) once every
   * request before it on the connection has been answered: at once when none is waiting.
   * Meanwhile nothing more is read from the connection.
   */
  answerInTurn(socket: Socket, answer: () => void, culprit: IncomingMessage | undefined): void {
    if (!this.waitsFor(socket, culprit)) {
      answer();
      return;
    }
    this.held.set(socket, { answer, culprit });
    socket.pause();
  }

  private waitsFor(socket: Socket, culprit: IncomingMessage | undefined): boolean {
    for (const entry of this.open.get(socket) ?? []) {
      if (entry.request !== culprit) return true;
    }
    return false;
  }

  private entryOf(request: IncomingMessage, response: ServerResponse): Entry {
    const known = this.entries.get(request);
    if (known !== undefined) return known;
    const entry: Entry = {
      request,
      left: undefined,
      delivered: undefined,
      listeners: [],
    };
    this.entries.set(request, entry);
    const socket = request.socket as Socket;
    if (socket.destroyed) {
      this.settle(socket, entry, false);
      return entry;
    }
    let requests = this.open.get(socket);
    if (requests === undefined) {
      requests = new Set();
      this.open.set(socket, requests);
      socket.once("close", () => {
        for (const pending of this.open.get(socket) ?? []) this.settle(socket, pending, false);
        this.open.delete(socket);
        this.held.delete(socket);
      });
    }
    requests.add(entry);
    response.once("finish", () => this.settle(socket, entry, true));
    response.once("close", () => this.settle(socket, entry, response.writableFinished));
    return entry;
  }

  private settle(socket: Socket, entry: Entry, delivered: boolean): void {
    if (entry.delivered !== undefined) return;
    entry.delivered = delivered;
    this.open.get(socket)?.delete(entry);
    // The listeners first: they say why the request ended before the abort closes it as a
    // plain disconnect.
    for (const listener of entry.listeners.splice(0)) listener(delivered);
    if (!delivered) entry.left?.abort();
    const held = this.held.get(socket);
    if (held !== undefined && !socket.destroyed && !this.waitsFor(socket, held.culprit)) {
      this.held.delete(socket);
      held.answer();
    }
  }
}
