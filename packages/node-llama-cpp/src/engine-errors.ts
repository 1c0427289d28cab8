/** Why the engine refused a request; nothing was queued or traced for it. */
export type LlamaEngineErrorCode = "queue_full" | "closed" | "duplicate_request_id";

/**
 * A request the engine could not take. A server answers `queue_full` with 503 or 429,
 * `closed` with 503, and `duplicate_request_id` with 409 (or picks ids itself).
 */
export class LlamaEngineError extends Error {
  constructor(
    readonly code: LlamaEngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "LlamaEngineError";
  }
}
