import type { ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { FastifyRequest } from "fastify";
import { OpenAiHttpError } from "../openai/openai-error.js";

/**
 * The upload timeout: a request's headers and body must arrive within `uploadTimeoutMs`
 * of its first byte. Node's HTTP server enforces it (`headersTimeout`, `requestTimeout`);
 * its connection check runs every `connectionsCheckingInterval`, so a request is cut
 * between `uploadTimeoutMs` and `uploadTimeoutMs` + that interval (at most 1 s).
 *
 * Node reports a cut request as a `clientError` on its socket. `clientErrorHandler`
 * answers it, and the errors of every malformed request, with an OpenAI error body, and
 * remembers the sockets it cut for a timeout, so that the request's journey, which the
 * socket's end aborts, is closed as a `timeout` rather than a client disconnect.
 */
export class UploadTimeout {
  /** Sockets cut because their request did not arrive in time; forgotten with the socket. */
  private readonly timedOut = new WeakSet<Socket>();

  constructor(readonly uploadTimeoutMs: number) {}

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

  /** True when the request's connection was cut by the upload timeout. */
  cut(request: FastifyRequest): boolean {
    const socket = request.raw.socket as Socket | null;
    return socket !== null && this.timedOut.has(socket);
  }

  /**
   * Fastify's `clientErrorHandler`: Node calls it for a request that timed out or could not
   * be parsed (bad framing, oversized headers), before or during its upload.
   */
  readonly clientErrorHandler = (error: NodeJS.ErrnoException, socket: Socket): void => {
    // The connection is already gone: nothing to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const failure = clientFailureOf(error, this.uploadTimeoutMs);
    if (failure.statusCode === 408) this.timedOut.add(socket);
    // Write only where no response has started on this connection (a pipelined request
    // behind a response still being written): bytes in the middle of it would corrupt it.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && inFlight?.headersSent !== true) {
      const body = JSON.stringify(failure.toBody());
      socket.write(
        `HTTP/1.1 ${failure.statusCode} ${STATUS_TEXT[failure.statusCode]}\r\n` +
          `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `connection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

function clientFailureOf(error: NodeJS.ErrnoException, uploadTimeoutMs: number): OpenAiHttpError {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new OpenAiHttpError(
        408,
        `the request's headers and body did not arrive within ${uploadTimeoutMs} ms`,
        "invalid_request_error",
        null,
        "upload_timeout",
      );
    case "HPE_HEADER_OVERFLOW":
      return new OpenAiHttpError(
        431,
        "the request headers are too large",
        "invalid_request_error",
        null,
        "request_headers_too_large",
      );
    default:
      return new OpenAiHttpError(
        400,
        "the request is not valid HTTP",
        "invalid_request_error",
        null,
        "bad_request",
      );
  }
}
