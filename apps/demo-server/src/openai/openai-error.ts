/** The OpenAI error body: `{"error":{"message","type","param","code"}}`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error the HTTP layer turns into an OpenAI error body with this status. */
export class OpenAiHttpError extends Error {
  override readonly name = "OpenAiHttpError";
  constructor(
    readonly statusCode: number,
    message: string,
    readonly type: string = statusCode >= 500 ? "server_error" : "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  toBody(): OpenAiErrorBody {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}
