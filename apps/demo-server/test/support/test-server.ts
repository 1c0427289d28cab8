import OpenAI from "openai";
import { parseConfig, type ServerConfig } from "../../src/config.js";
import type { Engine } from "../../src/engine/index.js";
import type { Journey } from "../../src/journeys/journey-store.js";
import { type DemoServer, type StartServerOptions, startServer } from "../../src/server.js";
import { startEngine } from "../../src/start-engine.js";

/** The engine under test, with the hook that kills its worker as a crash would. */
export interface EngineUnderTest extends Engine {
  crashForTests(): Promise<void>;
}

export interface TestServer {
  server: DemoServer;
  engine: EngineUnderTest;
  url: string;
  client: OpenAI;
  /** Polls `/debug/journeys` until `predicate` holds for the list, or fails after ~5 s. */
  journeysWhen(predicate: (journeys: Journey[]) => boolean): Promise<Journey[]>;
  /** Polls `/debug/journeys` until the request's journey holds both spans, and returns it. */
  journeyOf(requestId: string): Promise<Journey>;
  /** Polls `/metrics` until both layers' gauges read 0. */
  gaugesAtZero(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real server on an ephemeral loopback port, with the engine in its worker: the simulated
 * one, or the one `--engine` names.
 */
export async function startTestServer(
  flags: string[] = [],
  options: StartServerOptions = {},
): Promise<TestServer> {
  // Simulated steps run back to back unless the test asks for a simulated step time;
  // llama.cpp runs at its own speed.
  const speed = flags.some((flag) => flag.startsWith("--step-time") || flag === "--engine")
    ? []
    : ["--fast"];
  const config = parseConfig(
    ["--port", "0", ...speed, "--shutdown-grace-ms", "0", "--log-level", "silent", ...flags],
    {},
  ) as ServerConfig;
  const client = await startEngine(config);
  const engine: EngineUnderTest = Object.assign(client, {
    crashForTests: () => client.crashWorkerForTests(),
  });
  const server = await startServer(config, engine, options);
  const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "test-key", maxRetries: 0 });
  const poll = async <T>(
    read: () => Promise<T>,
    done: (value: T) => boolean,
    what: string,
  ): Promise<T> => {
    let last: T | undefined;
    for (let attempt = 0; attempt < 250; attempt++) {
      last = await read();
      if (done(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(
      `timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`,
    );
  };
  const journeysWhen = (predicate: (journeys: Journey[]) => boolean) =>
    poll(
      async () =>
        (
          (await (await fetch(`${server.url}/debug/journeys?limit=500`)).json()) as {
            journeys: Journey[];
          }
        ).journeys,
      predicate,
      "journeys",
    );
  return {
    server,
    engine,
    url: server.url,
    client: openai,
    journeysWhen,
    journeyOf: async (requestId) => {
      const journeys = await journeysWhen(byRequestId(requestId));
      return journeys.find((journey) => journey.requestId === requestId) as Journey;
    },
    gaugesAtZero: () =>
      poll(
        async () => (await fetch(`${server.url}/metrics`)).text(),
        (text) =>
          ["api", "core"].every(
            (layer) =>
              gaugeValue(text, "llm_journey_active_spans", layer) === 0 &&
              gaugeValue(text, "llm_journey_tracked_entries", layer) === 0,
          ),
        "gauges at 0",
      ),
    close: () => server.close(),
  };
}

export function gaugeValue(metrics: string, name: string, layer: string): number | undefined {
  const line = metrics.split("\n").find((l) => l.startsWith(`${name}{layer="${layer}"}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

/** `llm_journey_requests_total` for one endpoint and outcome, as `/metrics` reads now. */
export async function requestsTotal(
  url: string,
  outcome: string,
  endpoint: "chat" | "completions" = "chat",
): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const line = metrics
    .split("\n")
    .find((l) =>
      l.startsWith(`llm_journey_requests_total{endpoint="${endpoint}",outcome="${outcome}"}`),
    );
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

/** Both spans of one request, by name, once both have arrived. */
export function spansOf(journey: Journey) {
  const api = journey.spans.find((span) => span.name === "llm_request");
  const core = journey.spans.find((span) => span.name === "llm_core");
  return { api, core };
}

export function eventNames(span: { events: Array<{ name: string }> } | undefined): string[] {
  return span?.events.map((event) => event.name) ?? [];
}

export function byRequestId(requestId: string) {
  return (journeys: Journey[]) => {
    const journey = journeys.find((j) => j.requestId === requestId);
    return journey !== undefined && journey.spans.length === 2;
  };
}
