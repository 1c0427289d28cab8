import type { FastifyInstance } from "fastify";
import type { ModelCard } from "../engine/index.js";
import type { JourneyStore } from "../journeys/journey-store.js";
import type { LiveJourney } from "../journeys/live-journeys.js";
import type { StepStore } from "../journeys/step-store.js";
import type { ServerMetrics } from "../metrics.js";
import { OpenAiHttpError } from "../openai/openai-error.js";

/** The most `/debug/journeys` and `/debug/steps` return at once: what their stores hold. */
const MAX_LIMIT = 500;

/** Models, health, metrics and the journey data; the viewer page is registered beside them. */
export function registerInfoRoutes(
  app: FastifyInstance,
  deps: {
    store: JourneyStore;
    steps: StepStore;
    metrics: ServerMetrics;
    viewerPage: string;
    /** The engine's model, the one `/v1/models` lists. */
    model: ModelCard;
    /** Anything but `ok` answers 503 with that status. */
    health: () => "ok" | "shutting_down" | "engine_unresponsive";
    /** Both tracers' open journeys, joined (`?state=active`). */
    liveJourneys: () => Promise<LiveJourney[]>;
  },
): void {
  app.get("/v1/models", async () => ({
    object: "list",
    data: [
      {
        id: deps.model.id,
        object: "model",
        created: 0,
        owned_by: "llm-journey",
        // Says plainly what the model is: simulated, generated with random weights, or a file.
        description: deps.model.description,
      },
    ],
  }));

  app.get("/health", async (_request, reply) => {
    const status = deps.health();
    return reply.code(status === "ok" ? 200 : 503).send({ status });
  });

  app.get("/metrics", async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.scrape();
  });
  // Nothing scrapes the metrics once the app is closed: stop their process monitors.
  app.addHook("onClose", async () => deps.metrics.close());

  app.get<{ Querystring: { limit?: string; state?: string } }>(
    "/debug/journeys",
    async (request) => {
      const state = request.query.state ?? "finished";
      if (state !== "finished" && state !== "active") {
        throw new OpenAiHttpError(400, `state must be finished or active, got ${state}`, {
          param: "state",
        });
      }
      const limit = limitOf(request.query.limit);
      // Active: the requests in flight now, oldest first; finished: the latest, newest first.
      if (state === "active") return { journeys: (await deps.liveJourneys()).slice(0, limit) };
      return { journeys: deps.store.recent(limit) };
    },
  );

  // The latest sampled scheduler steps, newest first, each with its links to journeys.
  app.get<{ Querystring: { limit?: string } }>("/debug/steps", async (request) => ({
    steps: deps.steps.recent(limitOf(request.query.limit)),
  }));

  app.get("/journeys", async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(deps.viewerPage),
  );
}

/** `?limit=N` of the debug routes: 50 when absent, else an integer in [1, 500]. */
function limitOf(raw: string | undefined = "50"): number {
  // Decimal digits only: Number() would also take "0x10", "1e2" and " 7 ".
  const limit = /^[0-9]{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new OpenAiHttpError(400, `limit must be an integer in [1, ${MAX_LIMIT}], got ${raw}`, {
      param: "limit",
    });
  }
  return limit;
}
