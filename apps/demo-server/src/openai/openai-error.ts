/** The OpenAI error body: `{"error":{"message","type","param","code"}}`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error the HTTP layer turns into an OpenAI error body with this status. */
export class OpenAiHttpError extends Error {
  override readonly name = "OpenAiHttpError";
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;

  /** `type` defaults to `invalid_request_error` below status 500, `server_error` from it. */
  constructor(
    readonly statusCode: number,
    message: string,
    details: { type?: string; param?: string | null; code?: string } = {},
  ) {
    super(message);
    this.type = details.type ?? (statusCode >= 500 ? "server_error" : "invalid_request_error");
    this.param = details.param ?? null;
    this.code = details.code ?? null;
  }

  toBody(): OpenAiErrorBody {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}
