import {
  createRateLimitedErrorHandler,
  type OpenCoreJourney,
  STEP_SPAN_NAME,
} from "@llm-journey/tracer-core";
import type { TracerProvider } from "@opentelemetry/api";
import Fastify, { type FastifyInstance } from "fastify";
import type { ServerConfig } from "./config.js";
import type { Engine } from "./engine/index.js";
import { Admission } from "./http/admission.js";
import { ConnectionRequests } from "./http/connection-requests.js";
import { registerErrorHandling } from "./http/error-handling.js";
import { registerGenerationRoutes } from "./http/generation-routes.js";
import { registerInfoRoutes } from "./http/info-routes.js";
import { registerStrictJsonParser } from "./http/strict-json-parser.js";
import { UploadTimeout } from "./http/upload-timeout.js";
import { JourneyStore } from "./journeys/journey-store.js";
import { liveJourneys, nowUnixNano } from "./journeys/live-journeys.js";
import { StepStore } from "./journeys/step-store.js";
import { ServerMetrics } from "./metrics.js";
import { setUpHttpTracing } from "./tracing-setup.js";
import { renderViewerPage } from "./viewer/viewer-page.js";

export interface DemoServer {
  app: FastifyInstance;
  store: JourneyStore;
  /** The latest sampled `llm_step` spans (`/debug/steps`). */
  steps: StepStore;
  metrics: ServerMetrics;
  /** `http://host:port` once listening. */
  url: string;
  /**
   * Graceful shutdown: stop accepting, give in-flight requests `graceMs` to finish,
   * then abort the rest, end every span, flush the exporters. Safe to call twice.
   */
  close(): Promise<void>;
}

export interface StartServerOptions {
  /**
   * Replaces the HTTP thread's own provider (journey store and OTLP), to test with a
   * failing tracer.
   */
  tracerProvider?: TracerProvider;
}

export async function startServer(
  config: ServerConfig,
  engine: Engine,
  options: StartServerOptions = {},
): Promise<DemoServer> {
  const store = new JourneyStore(config.journeyStoreSize, {
    maxBytes: config.journeyStoreMaxBytes,
  });
  const steps = new StepStore(config.stepStoreSize);
  let metrics: ServerMetrics | undefined;
  const onError = createRateLimitedErrorHandler();
  const tracing = await setUpHttpTracing(
    config,
    store,
    {
      onError,
      onSpansDropped: (count) => {
        metrics?.spansDropped.inc({ layer: "api" }, count);
        onError(new Error(`spans not exported: ${count}`), "OTLP export");
      },
    },
    options.tracerProvider,
  );
  engine.onSpans((spans) => {
    // Step spans are traces of their own, linked to journeys: they get their own store.
    for (const span of spans) {
      if (span.name === STEP_SPAN_NAME) steps.add(span);
      else store.add(span);
    }
  });
  const { stream } = tracing;
  if (stream !== undefined) engine.onJourneyRecords((records) => stream.collect(records));
  metrics = new ServerMetrics(
    {
      api: () => tracing.api,
      core: () => engine.counts(),
      stream,
    },
    store,
  );
  let shuttingDown = false;

  const connections = new ConnectionRequests();
  const uploadTimeout = new UploadTimeout(config.uploadTimeoutMs, connections);
  const app = Fastify({
    bodyLimit: config.bodyLimitBytes,
    ...uploadTimeout.serverOptions(),
    clientErrorHandler: uploadTimeout.clientErrorHandler,
    forceCloseConnections: "idle",
    // Generation requests that arrive while closing get an OpenAI 503 from their route.
    return503OnClosing: false,
    logger: { level: config.logLevel },
    // Reject what a strict OpenAI server rejects: no type coercion, no silent stripping.
    ajv: {
      customOptions: {
        coerceTypes: false,
        removeAdditional: false,
        allErrors: false,
        allowUnionTypes: true,
      },
    },
  });
  connections.attach(app.server);
  registerStrictJsonParser(app);
  registerErrorHandling(app, uploadTimeout);
  // Responses sent while shutting down close their connection, so keep-alive clients
  // do not hold the server open after their last answer.
  app.addHook("onSend", async (_request, reply) => {
    if (shuttingDown) reply.header("connection", "close");
  });
  registerGenerationRoutes(app, {
    engine: stream?.wrap(engine) ?? engine,
    api: tracing.api,
    metrics,
    timeoutMs: config.requestTimeoutMs,
    uploadTimeout,
    connections,
    admission: new Admission(
      {
        maxInEngine: config.engine.maxNumSeqs + config.maxQueuedRequests,
        maxPerConnection: config.maxPipelinedRequests,
      },
      connections,
    ),
    shuttingDown: () => shuttingDown,
  });
  registerInfoRoutes(app, {
    store,
    steps,
    metrics,
    viewerPage: renderViewerPage({ model: engine.model.id }),
    model: engine.model,
    health: () =>
      shuttingDown
        ? "shutting_down"
        : engine.unansweredHeartbeatMs > config.engineHeartbeatTimeoutMs
          ? "engine_unresponsive"
          : "ok",
    liveJourneys: async () => {
      // A restarting engine lists nothing: the API side is still worth showing.
      const core = await engine.openJourneys().catch((): OpenCoreJourney[] => []);
      return liveJourneys(tracing.api.openJourneys(), core, nowUnixNano());
    },
  });

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      const stopped = app.close();
      const grace = new Promise((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
      await Promise.race([stopped, grace]);
      await engine.shutdown(); // aborts what is left; their handlers close their journeys
      // The aborted requests' answers are written within a few ticks; then any
      // connection still open (a stalled client) is cut so the process can exit.
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      app.server.closeAllConnections();
      await stopped;
      tracing.api.shutdown(); // anything still open ends with reason "shutdown"
      await tracing.shutdown();
    })();
    return closing;
  };
  return {
    app,
    store,
    steps,
    metrics: metrics as ServerMetrics,
    url: `http://${host}:${port}`,
    close,
  };
}
