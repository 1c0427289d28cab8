import { randomUUID } from "node:crypto";
import { type ApiJourneyTracer, abortReasonOf, type JourneyHandle } from "@llm-journey/tracer-api";
import { monotonicSeconds } from "@llm-journey/tracer-core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServerMetrics } from "../metrics.js";
import {
  type ChatCompletionBody,
  type CompletionBody,
  chatCompletionSchema,
  completionSchema,
} from "../openai/request-schemas.js";
import type { Endpoint } from "../openai/response-builders.js";
import { clientDisconnectSignal } from "./client-disconnect.js";
import {
  type GenerationContext,
  type GenerationParams,
  generateBody,
  httpErrorOf,
  streamEvents,
} from "./generation.js";
import type { GenerationEngine } from "./generation-engine.js";
import { chatPromptText, completionPromptText } from "./prompt-text.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The request's journey, opened before validation so that validation errors are traced. */
    journey: JourneyHandle | null;
    generationId: string | null;
    /** When the request arrived, in `monotonicSeconds()`. */
    arrivalTime: number;
  }
}

export interface GenerationRouteDeps {
  engine: GenerationEngine;
  api: ApiJourneyTracer;
  metrics: ServerMetrics;
  timeoutMs: number;
  shuttingDown: () => boolean;
}

/** Legacy completions default to 16 tokens; chat has no limit but the engine's. */
const DEFAULT_MAX_TOKENS: Record<Endpoint, number> = { chat: 1024, completions: 16 };

export function registerGenerationRoutes(app: FastifyInstance, deps: GenerationRouteDeps): void {
  app.decorateRequest("journey", null);
  app.decorateRequest("generationId", null);
  app.decorateRequest("arrivalTime", 0);

  const openJourney = (endpoint: Endpoint) => async (request: FastifyRequest) => {
    request.arrivalTime = monotonicSeconds();
    request.generationId = `${endpoint === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
    request.journey = deps.api.startJourney({
      requestId: request.generationId,
      headers: request.headers,
    });
  };

  const handle =
    (
      endpoint: Endpoint,
      paramsOf: (body: never) => Omit<GenerationParams, "endpoint" | "requestId">,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const journey = request.journey as JourneyHandle;
      const params: GenerationParams = {
        endpoint,
        requestId: request.generationId as string,
        ...paramsOf(request.body as never),
      };
      journey.setRequestAttributes({
        operation: endpoint === "chat" ? "chat" : "text_completion",
        model: params.model,
        maxTokens: params.maxTokens,
        stream: params.stream,
        ...samplingOf(request.body as ChatCompletionBody),
      });
      if (journey.capturesContent) {
        const body = request.body as Partial<ChatCompletionBody>;
        journey.setContent({
          inputMessages: body.messages ?? [{ role: "user", content: params.prompt }],
        });
      }
      const context: GenerationContext = {
        engine: deps.engine,
        handle: journey,
        incomingHeaders: request.headers,
        arrivalTime: request.arrivalTime,
        signal: clientDisconnectSignal(reply.raw),
        timeoutMs: deps.timeoutMs,
        shuttingDown: deps.shuttingDown,
      };
      if (!params.stream) return generateBody(params, context);
      reply.hijack();
      try {
        const outcome = await streamEvents(params, context, reply.raw);
        deps.metrics.requestFinished(endpoint, outcome);
      } catch (error) {
        // Nothing was sent yet: answer with a proper HTTP error.
        const failure = httpErrorOf(error);
        journey.aborted(abortReasonOf(error), error);
        deps.metrics.requestFinished(endpoint, "error");
        if (!reply.raw.destroyed) {
          reply.raw
            .writeHead(failure.statusCode, { "content-type": "application/json" })
            .end(JSON.stringify(failure.toBody()));
        }
      }
    };

  app.post("/v1/chat/completions", {
    schema: { body: chatCompletionSchema },
    onRequest: openJourney("chat"),
    handler: handle("chat", (body: ChatCompletionBody) => ({
      model: body.model,
      prompt: chatPromptText(body.messages),
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS.chat,
      stop: stopList(body.stop),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
    })),
  });

  app.post("/v1/completions", {
    schema: { body: completionSchema },
    onRequest: openJourney("completions"),
    handler: handle("completions", (body: CompletionBody) => ({
      model: body.model,
      prompt: completionPromptText(body.prompt),
      maxTokens: body.max_tokens ?? DEFAULT_MAX_TOKENS.completions,
      stop: stopList(body.stop),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
    })),
  });
}

function samplingOf(body: {
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
}) {
  return {
    ...(typeof body.temperature === "number" ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === "number" ? { topP: body.top_p } : {}),
    ...(typeof body.n === "number" ? { choiceCount: body.n } : {}),
  };
}

function stopList(stop: string | string[] | null | undefined): string[] {
  if (typeof stop === "string") return [stop];
  return stop ?? [];
}
