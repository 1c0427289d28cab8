import { type IncomingMessage, type ServerOptions, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { AbortReason } from "@llm-journey/tracer-api";
import type { FastifyRequest } from "fastify";
import { OpenAiHttpError } from "../openai/openai-error.js";
import type { ConnectionRequests } from "./connection-requests.js";

/** How a request whose connection ended before its response was finished ends. */
export interface ConnectionEnd {
  reason: AbortReason;
  error: string;
  /** The status it stands for, when the server refused it rather than its client left. */
  status?: number;
}

/**
 * The upload timeout: a request's headers and body must arrive within `uploadTimeoutMs`
 * of its first byte. Node's HTTP server enforces it (`headersTimeout`, `requestTimeout`);
 * its connection check runs every `connectionsCheckingInterval`, so a request is cut
 * between `uploadTimeoutMs` and `uploadTimeoutMs` + that interval (at most 1 s).
 *
 * Node reports a cut request as a `clientError` on its socket. `clientErrorHandler`
 * answers it, and the errors of every malformed request, with an OpenAI error body. The
 * error belongs to the request being received, never to the complete requests pipelined
 * before it on the same connection: those get their own answers first, and only then is
 * the error written and the connection closed. The request it belongs to, when its
 * headers had arrived, is remembered, so that its journey, which the connection's end
 * closes, says what happened to it (a `timeout`, a protocol error) rather than a client
 * disconnect.
 */
export class UploadTimeout {
  /** Requests refused by a protocol error, with that error; forgotten with the request. */
  private readonly refused = new WeakMap<IncomingMessage, OpenAiHttpError>();

  constructor(
    readonly uploadTimeoutMs: number,
    private readonly connections: ConnectionRequests,
  ) {}

  /** Fastify's server options that enforce it. */
  serverOptions(): { requestTimeout: number; http: ServerOptions } {
    return {
      // Fastify sets the server's requestTimeout itself after creating it (0 by default).
      requestTimeout: this.uploadTimeoutMs,
      http: {
        requestTimeout: this.uploadTimeoutMs,
        // Node requires headersTimeout <= requestTimeout; both bound the same upload.
        headersTimeout: this.uploadTimeoutMs,
        connectionsCheckingInterval: Math.max(10, Math.min(1_000, this.uploadTimeoutMs / 4)),
      },
    };
  }

  /** The protocol error that refused this request while it was arriving, if one did. */
  refusal(request: FastifyRequest): OpenAiHttpError | undefined {
    return this.refused.get(request.raw);
  }

  /**
   * Why a request whose connection ended before its response was finished ends: the
   * server closed a connection that pipelined far past its share, or a protocol error
   * refused the request, else its client left.
   */
  connectionEnd(request: FastifyRequest): ConnectionEnd {
    if (this.connections.wasShed(request.raw.socket as Socket)) {
      return { reason: "overloaded", error: "429 too_many_pipelined_requests", status: 429 };
    }
    const refusal = this.refusal(request);
    if (refusal === undefined) {
      return { reason: "client_disconnect", error: "the client closed the connection" };
    }
    return {
      reason: refusal.statusCode === 408 ? "timeout" : "validation_error",
      error: `${refusal.statusCode} ${refusal.code}`,
      status: refusal.statusCode,
    };
  }

  /**
   * Fastify's `clientErrorHandler`: Node calls it for a request that timed out or could not
   * be parsed (bad framing, oversized headers), before or during its upload.
   */
  readonly clientErrorHandler = (error: NodeJS.ErrnoException, socket: Socket): void => {
    // The connection is already gone: nothing to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    // Its client ended it in the middle of a request (Node reports a parse error at the
    // end of input): a client that left, not a request to refuse.
    if (error.code === "HPE_INVALID_EOF_STATE") {
      socket.destroy();
      return;
    }
    // The connection's first protocol error is the one answered; nothing after it is read.
    if (this.connections.holdsAnswer(socket)) return;
    const failure = clientFailureOf(error, this.uploadTimeoutMs);
    const culprit = this.connections.uploading(socket);
    if (culprit !== undefined) this.refused.set(culprit, failure);
    this.connections.answerInTurn(
      socket,
      () => {
        // Write only where no response has started on this connection (a response still
        // being written to a client that stopped reading): bytes in it would corrupt it.
        const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })
          ._httpMessage;
        if (socket.writable && inFlight?.headersSent !== true) {
          const body = JSON.stringify(failure.toBody());
          socket.write(
            `HTTP/1.1 ${failure.statusCode} ${STATUS_CODES[failure.statusCode]}\r\n` +
              `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
              `connection: close\r\n\r\n${body}`,
          );
        }
        socket.destroy(error);
      },
      culprit,
    );
  };
}

function clientFailureOf(error: NodeJS.ErrnoException, uploadTimeoutMs: number): OpenAiHttpError {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new OpenAiHttpError(
        408,
        `the request's headers and body did not arrive within ${uploadTimeoutMs} ms`,
        { code: "upload_timeout" },
      );
    case "HPE_HEADER_OVERFLOW":
      return new OpenAiHttpError(431, "the request headers are too large", {
        code: "request_headers_too_large",
      });
    default:
      return new OpenAiHttpError(400, "the request is not valid HTTP", { code: "bad_request" });
  }
}
