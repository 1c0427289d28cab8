import { type AbortReason, abortReasonOf } from "@llm-journey/tracer-api";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { OpenAiHttpError } from "../openai/openai-error.js";
import { ErrorLogLimiter } from "./error-log.js";
import { httpErrorOf } from "./generation.js";
import type { UploadTimeout } from "./upload-timeout.js";

/** What a 429 asks the client to wait: the engine frees places as requests finish. */
const RETRY_AFTER_SECONDS = "1";

/**
 * Every error becomes an OpenAI error body, and every journey still open when its
 * response is done is closed: the outer `finally` of the API layer.
 */
export function registerErrorHandling(app: FastifyInstance, uploadTimeout: UploadTimeout): void {
  const errorLog = new ErrorLogLimiter();

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const failure = toOpenAiError(error);
    // The body stream fails with ECONNRESET when the connection ends during the upload.
    const end = error.code === "ECONNRESET" ? uploadTimeout.connectionEnd(request) : undefined;
    const kind = `${failure.statusCode} ${failure.code ?? failure.type}`;
    // A content-free message: parser errors quote the body, and no request content may be recorded.
    request.journey?.aborted(end?.reason ?? reasonFor(error, failure), end?.error ?? kind);
    if (failure.statusCode >= 500) {
      const logged = errorLog.admit(kind);
      // A timeout is the server being busy, not a fault in it: no stack.
      if (logged !== undefined && failure.statusCode === 504) {
        request.log.warn({ kind, suppressed: logged.suppressed }, "request failed");
      } else if (logged !== undefined) {
        request.log.error({ err: error, kind, suppressed: logged.suppressed }, "request failed");
      }
    }
    if (failure.statusCode === 429) reply.header("retry-after", RETRY_AFTER_SECONDS);
    return reply.code(failure.statusCode).type("application/json").send(failure.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(
      new OpenAiHttpError(404, `no route for ${request.method} ${request.url}`, {
        code: "not_found",
      }).toBody(),
    );
  });

  app.addHook("onResponse", async (request, reply) => {
    const journey = request.journey;
    if (journey === null) return;
    if (!journey.closed) {
      if (reply.statusCode < 400) journey.departed();
      else journey.aborted("exception", `response status ${reply.statusCode}`);
    }
  });
}

function toOpenAiError(error: FastifyError): OpenAiHttpError {
  if (error instanceof OpenAiHttpError) return error;
  if (error.validation) {
    const issue = error.validation[0];
    const path = issue?.instancePath.replace(/^\//, "").replaceAll("/", ".") || null;
    const param =
      issue?.keyword === "required"
        ? String(issue.params.missingProperty)
        : issue?.keyword === "additionalProperties"
          ? String(issue.params.additionalProperty)
          : path;
    if (issue?.keyword === "required") {
      const message = `Missing required parameter: '${param}'.`;
      return new OpenAiHttpError(400, message, {
        param: param,
        code: "missing_required_parameter",
      });
    }
    const message =
      issue?.keyword === "additionalProperties"
        ? `Unrecognized request argument supplied: ${param}`
        : `Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid request body"}`;
    return new OpenAiHttpError(400, message, { param: param ?? null, code: "invalid_value" });
  }
  const status = error.statusCode ?? 500;
  if (status === 413)
    return new OpenAiHttpError(413, "the request body is too large", { code: "request_too_large" });
  if (status === 415)
    return new OpenAiHttpError(415, "Content-Type must be application/json", {
      code: "unsupported_media_type",
    });
  if (status === 400)
    return new OpenAiHttpError(
      400,
      `We could not parse the JSON body of your request: ${error.message}`,
      { code: "invalid_json" },
    );
  if (status >= 400 && status < 500) return new OpenAiHttpError(status, error.message);
  return httpErrorOf(error);
}

function reasonFor(error: FastifyError, failure: OpenAiHttpError): AbortReason {
  if (failure.statusCode === 429) return "overloaded";
  if (failure.statusCode >= 400 && failure.statusCode < 500 && failure.statusCode !== 499)
    return "validation_error";
  return abortReasonOf(error);
}
