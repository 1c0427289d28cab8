import { randomUUID } from "node:crypto";
import {
  type ApiJourneyTracer,
  abortReasonOf,
  JourneyError,
  type JourneyHandle,
} from "@llm-journey/tracer-api";
import { monotonicSeconds } from "@llm-journey/tracer-core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Engine } from "../engine/index.js";
import type { RequestOutcome, ServerMetrics } from "../metrics.js";
import {
  type ChatCompletionBody,
  type CompletionBody,
  chatCompletionSchema,
  completionSchema,
} from "../openai/request-schemas.js";
import type { Endpoint } from "../openai/response-builders.js";
import type { Admission } from "./admission.js";
import type { ConnectionRequests } from "./connection-requests.js";
import {
  type GenerationContext,
  type GenerationParams,
  generateBody,
  httpErrorOf,
  streamEvents,
} from "./generation.js";
import { chatPromptText, completionPromptText } from "./prompt-text.js";
import type { UploadTimeout } from "./upload-timeout.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The request's journey, opened before validation so that validation errors are traced. */
    journey: JourneyHandle | null;
    generationId: string | null;
    /** When the request arrived, in `monotonicSeconds()`. */
    arrivalTime: number;
    /**
     * Set once the request is counted in `llm_journey_requests_total`, or once a stream
     * handler takes over counting it: every request is counted exactly once.
     */
    outcomeCounted: boolean;
  }
}

export interface GenerationRouteDeps {
  engine: Pick<Engine, "submit" | "abort">;
  api: ApiJourneyTracer;
  metrics: ServerMetrics;
  timeoutMs: number;
  uploadTimeout: UploadTimeout;
  connections: ConnectionRequests;
  admission: Admission;
  shuttingDown: () => boolean;
}

export function registerGenerationRoutes(app: FastifyInstance, deps: GenerationRouteDeps): void {
  app.decorateRequest("journey", null);
  app.decorateRequest("generationId", null);
  app.decorateRequest("arrivalTime", 0);
  app.decorateRequest("outcomeCounted", false);

  const openJourney =
    (endpoint: Endpoint) => async (request: FastifyRequest, reply: FastifyReply) => {
      request.arrivalTime = monotonicSeconds();
      request.generationId = `${endpoint === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
      request.journey = deps.api.startJourney({
        requestId: request.generationId,
        headers: request.headers,
      });
      // Every answer Fastify sends (success, validation or other error, timeout) and every
      // request whose connection ends first, pipelined or not, end here, once; streams are
      // counted by their handler once it has taken over.
      deps.connections.onSettled(request.raw, reply.raw, (delivered) => {
        const end = delivered ? undefined : deps.uploadTimeout.connectionEnd(request);
        if (end !== undefined) request.journey?.aborted(end.reason, end.error);
        if (request.outcomeCounted) return;
        request.outcomeCounted = true;
        // The answer's status, else that of a protocol error answered on the socket or of a
        // connection the server shed; none when the client left.
        const status = end === undefined ? reply.statusCode : end.status;
        deps.metrics.countRequest(
          endpoint,
          status === undefined ? "client_disconnect" : outcomeOfStatus(status),
        );
      });
      // Refused here rather than by Fastify while it closes, so the client gets an OpenAI
      // error body and the refusal is traced like any other outcome.
      if (deps.shuttingDown()) throw new JourneyError("shutdown", "the server is shutting down");
    };

  const handle = (endpoint: Endpoint) => async (request: FastifyRequest, reply: FastifyReply) => {
    const signal = deps.connections.signal(request.raw, reply.raw);
    // A pipelined request whose connection closed while its body was parsed.
    if (signal.aborted) throw new JourneyError("client_disconnect", "the client left");
    let release: () => void;
    try {
      release = deps.admission.admit(request.raw);
    } catch (refusal) {
      // Counted as refused now: the refusal is decided, even if its answer waits in a
      // pipeline behind others and its client leaves before reading it.
      request.outcomeCounted = true;
      deps.metrics.countRequest(endpoint, "overloaded");
      throw refusal;
    }
    try {
      const journey = request.journey as JourneyHandle;
      const body = request.body as GenerationBody;
      const params = paramsOf(endpoint, request.generationId as string, body);
      const { seed: _seed, ...sampled } = params.sampling;
      journey.setRequestAttributes({
        operation: endpoint === "chat" ? "chat" : "text_completion",
        model: params.model,
        maxTokens: params.maxTokens,
        stream: params.stream,
        ...sampled,
        ...(typeof body.n === "number" ? { choiceCount: body.n } : {}),
      });
      if (journey.capturesContent) {
        journey.setContent({
          inputMessages: body.messages ?? [{ role: "user", content: params.prompt }],
        });
      }
      const context: GenerationContext = {
        engine: deps.engine,
        handle: journey,
        incomingHeaders: request.headers,
        arrivalTime: request.arrivalTime,
        signal,
        timeoutMs: deps.timeoutMs,
        shuttingDown: deps.shuttingDown,
      };
      if (!params.stream) return await generateBody(params, context);
      // Counted here, where the stream ends: its status says nothing of a failure after
      // the first token, and the response may close before this handler resumes.
      request.outcomeCounted = true;
      reply.hijack();
      try {
        deps.metrics.countRequest(endpoint, await streamEvents(params, context, reply.raw));
      } catch (error) {
        // Nothing was sent yet: answer with a proper HTTP error.
        const failure = httpErrorOf(error);
        journey.aborted(abortReasonOf(error), error);
        const gone = signal.aborted || reply.raw.destroyed;
        deps.metrics.countRequest(endpoint, outcomeOfStatus(gone ? 499 : failure.statusCode));
        if (!gone) {
          reply.raw
            .writeHead(failure.statusCode, { "content-type": "application/json" })
            .end(JSON.stringify(failure.toBody()));
        }
      }
    } finally {
      release();
    }
  };

  app.post("/v1/chat/completions", {
    schema: { body: chatCompletionSchema },
    onRequest: openJourney("chat"),
    handler: handle("chat"),
  });
  app.post("/v1/completions", {
    schema: { body: completionSchema },
    onRequest: openJourney("completions"),
    handler: handle("completions"),
  });
}

/** Either endpoint's body, as its schema let it through: the fields of the other are absent. */
type GenerationBody = Partial<ChatCompletionBody> & Partial<CompletionBody> & { model: string };

function paramsOf(endpoint: Endpoint, requestId: string, body: GenerationBody): GenerationParams {
  const { temperature, top_p: topP, seed } = body;
  return {
    endpoint,
    requestId,
    model: body.model,
    prompt:
      endpoint === "chat"
        ? chatPromptText(body.messages ?? [])
        : completionPromptText(body.prompt ?? ""),
    // OpenAI's completions endpoint defaults to 16 tokens; chat has no limit but the engine's.
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? (endpoint === "chat" ? 1024 : 16),
    stop: typeof body.stop === "string" ? [body.stop] : (body.stop ?? []),
    // What an engine with a real model samples with; absent fields keep its defaults.
    sampling: {
      ...(typeof temperature === "number" ? { temperature } : {}),
      ...(typeof topP === "number" ? { topP } : {}),
      ...(typeof seed === "number" ? { seed } : {}),
    },
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
  };
}

function outcomeOfStatus(status: number): RequestOutcome {
  if (status < 400) return "ok";
  if (status === 499) return "client_disconnect";
  if (status === 429) return "overloaded";
  return status >= 500 ? "error" : "invalid";
}
