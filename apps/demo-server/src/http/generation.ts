import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import {
  JourneyError,
  type JourneyHandle,
  tracePromise,
  traceStream,
} from "@llm-journey/tracer-api";
import {
  ENGINE_WORKER_EXITED,
  type Engine,
  type EngineEvent,
  type GenerationRequest,
  type SamplingParameters,
} from "../engine/index.js";
import type { RequestOutcome } from "../metrics.js";
import { OpenAiHttpError } from "../openai/openai-error.js";
import {
  chunkBody,
  completionBody,
  type Endpoint,
  finishReasonOf,
  usageChunkBody,
  usageOf,
} from "../openai/response-builders.js";

export interface GenerationParams {
  endpoint: Endpoint;
  requestId: string;
  model: string;
  prompt: string;
  maxTokens: number;
  stop: string[];
  sampling: SamplingParameters;
  stream: boolean;
  includeUsage: boolean;
}

export interface GenerationContext {
  /** Generation only: the server keeps the rest of the engine to itself. */
  engine: Pick<Engine, "submit" | "abort">;
  handle: JourneyHandle;
  /** The client's request headers; see `GenerationRequest.incomingHeaders`. */
  incomingHeaders?: IncomingHttpHeaders;
  /** When the HTTP request arrived, in `monotonicSeconds()`. */
  arrivalTime?: number;
  signal: AbortSignal;
  timeoutMs: number;
  /** True while the server shuts down: an engine abort is then a shutdown, not a disconnect. */
  shuttingDown: () => boolean;
}

type Finished = Extract<EngineEvent, { type: "finished" }>;

/**
 * The engine's events for one request, ending at a successful finish; every other end
 * becomes a `JourneyError` with the abort reason it stands for.
 */
async function* untilFinished(
  events: AsyncIterable<EngineEvent>,
  context: GenerationContext,
): AsyncGenerator<EngineEvent> {
  for await (const event of events) {
    if (event.type === "token") {
      yield event;
      continue;
    }
    if (event.status === "stopped" || event.status === "length") {
      yield event;
      return;
    }
    if (event.status === "aborted") {
      throw new JourneyError(
        context.shuttingDown() ? "shutdown" : "client_disconnect",
        "the engine aborted the request",
      );
    }
    if (event.status === "ignored") {
      throw new JourneyError(
        "validation_error",
        event.error ?? "the prompt does not fit the engine's KV cache",
      );
    }
    throw new JourneyError(
      event.error === ENGINE_WORKER_EXITED ? "engine_error" : "generation_error",
      event.error ?? "generation failed",
    );
  }
  throw new JourneyError("engine_error", "the engine stream ended without a finish");
}

function submit(params: GenerationParams, context: GenerationContext): AsyncIterable<EngineEvent> {
  const request: GenerationRequest = {
    requestId: params.requestId,
    prompt: params.prompt,
    maxTokens: params.maxTokens,
    stop: params.stop,
    sampling: params.sampling,
    traceHeaders: { ...context.handle.coreHeaders },
    incomingHeaders: context.incomingHeaders,
    arrivalTime: context.arrivalTime,
  };
  const events = context.engine.submit(request);
  context.handle.handoffToCore();
  return abortOnDisconnect(untilFinished(events, context), params.requestId, context);
}

/** A client that leaves stops its generation at once, not when the engine next yields. */
async function* abortOnDisconnect(
  events: AsyncIterable<EngineEvent>,
  requestId: string,
  context: GenerationContext,
): AsyncGenerator<EngineEvent> {
  const abort = () => context.engine.abort(requestId);
  if (context.signal.aborted) abort();
  context.signal.addEventListener("abort", abort, { once: true });
  try {
    yield* events;
  } finally {
    context.signal.removeEventListener("abort", abort);
  }
}

/** What the request's span records of its end; `text` only when content is captured. */
function recordFinish(handle: JourneyHandle, finished: Finished, text: string): void {
  handle.setUsage({ inputTokens: finished.promptTokens, outputTokens: finished.outputTokens });
  handle.setFinishReasons([finishReasonOf(finished.status)]);
  if (finished.latencies !== undefined) handle.setCoreLatencies(finished.latencies);
  if (handle.capturesContent) {
    handle.setContent({ outputMessages: [{ role: "assistant", content: text }] });
  }
}

/** Runs a non-streaming request to its JSON body. Rejects with a `JourneyError` on failure. */
export async function generateBody(params: GenerationParams, context: GenerationContext) {
  const { handle } = context;
  let finished: Finished | undefined;
  try {
    const text = await tracePromise(
      handle,
      async () => {
        let text = "";
        for await (const event of submit(params, context)) {
          if (event.type === "token") {
            handle.firstResponse();
            text += event.text;
          } else {
            finished = event;
            recordFinish(handle, event, text);
          }
        }
        return text;
      },
      { signal: context.signal, timeoutMs: context.timeoutMs },
    );
    const done = finished as Finished;
    return completionBody(
      params.endpoint,
      identity(params),
      text,
      finishReasonOf(done.status),
      usageOf(done.promptTokens, done.outputTokens),
    );
  } finally {
    if (finished === undefined) context.engine.abort(params.requestId); // cancel, timeout, failure
  }
}

/**
 * Streams a request as server-sent events in the shape the OpenAI client expects. Headers
 * are written with the first token, so a request that fails before it still gets a
 * proper HTTP error; a failure after it ends the stream with an error event.
 */
export async function streamEvents(
  params: GenerationParams,
  context: GenerationContext,
  response: ServerResponse,
): Promise<Exclude<RequestOutcome, "invalid">> {
  const id = identity(params);
  const write = (body: unknown) => response.write(`data: ${JSON.stringify(body)}\n\n`);
  let finished: Finished | undefined;
  // Only gathered when the operator opted in to content capture.
  let captured = "";
  let roleSent = false;
  try {
    for await (const event of traceStream(context.handle, submit(params, context), {
      signal: context.signal,
    })) {
      if (!response.headersSent) {
        response.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
        });
      }
      if (event.type === "token") {
        write(chunkBody(params.endpoint, id, { text: event.text, first: !roleSent }, null));
        roleSent = true;
        if (context.handle.capturesContent) captured += event.text;
      } else {
        finished = event;
        recordFinish(context.handle, event, captured);
      }
    }
    const done = finished as Finished;
    // A stop string at the very start leaves no text chunk: the role goes on the last one.
    write(chunkBody(params.endpoint, id, { first: !roleSent }, finishReasonOf(done.status)));
    if (params.includeUsage)
      write(usageChunkBody(params.endpoint, id, usageOf(done.promptTokens, done.outputTokens)));
    // The OpenAI client waits for the connection to close after [DONE].
    response.end("data: [DONE]\n\n");
    return "ok";
  } catch (error) {
    if (!response.headersSent) throw error;
    // The same outcome as a non-streaming request whose client left: nothing more to send.
    // A pipelined response still queued behind another is never destroyed: the signal says.
    if (context.signal.aborted || response.destroyed) return "client_disconnect";
    write(httpErrorOf(error).toBody());
    response.end("data: [DONE]\n\n");
    return "error";
  } finally {
    if (finished === undefined) context.engine.abort(params.requestId);
  }
}

/** The OpenAI error for a failed generation. */
export function httpErrorOf(error: unknown): OpenAiHttpError {
  if (error instanceof OpenAiHttpError) return error;
  if (error instanceof JourneyError) {
    switch (error.reason) {
      case "validation_error":
        return new OpenAiHttpError(400, error.message, {
          param: "messages",
          code: "context_length_exceeded",
        });
      case "timeout":
        return new OpenAiHttpError(504, "the request timed out", {
          type: "timeout",
          code: "timeout",
        });
      case "shutdown":
        return new OpenAiHttpError(503, "the server is shutting down", { code: "shutdown" });
      case "overloaded":
        return new OpenAiHttpError(429, error.message, { type: "requests", code: "overloaded" });
      case "client_disconnect":
        return new OpenAiHttpError(499, "the client closed the request");
      default:
        return new OpenAiHttpError(500, error.message, { code: error.reason });
    }
  }
  return new OpenAiHttpError(500, "internal server error");
}

function identity(params: GenerationParams) {
  return { id: params.requestId, created: Math.floor(Date.now() / 1000), model: params.model };
}
