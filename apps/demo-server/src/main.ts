import { ConfigError, parseConfig, USAGE } from "./config.js";
import { startServer } from "./server.js";
import { startEngine } from "./start-engine.js";

/** `npm run demo -- <flags>`: start the engine and the server, stop cleanly on a signal. */
async function main(): Promise<number> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (config === "help") {
    console.log(USAGE);
    return 0;
  }
  let engine: Awaited<ReturnType<typeof startEngine>>;
  try {
    engine = await startEngine(config);
  } catch (error) {
    // A model file that llama.cpp cannot load, say: one line, not a stack.
    console.error(`the engine did not start: ${(error as Error).message}`);
    return 1;
  }
  const server = await startServer(config, engine);
  const over =
    config.engine.kind === "simulated"
      ? "simulated model"
      : config.engine.modelPath === undefined
        ? "llama.cpp, generated tiny model with random weights: gibberish text"
        : `llama.cpp, ${config.engine.modelPath}`;
  console.log(`llm-journey demo server (${over}) listening on ${server.url}`);
  console.log(`  OpenAI API:   ${server.url}/v1  (model "${engine.model.id}")`);
  console.log(`  viewer:       ${server.url}/journeys`);
  console.log(`  journeys:     ${server.url}/debug/journeys`);
  console.log(`  metrics:      ${server.url}/metrics`);
  if (config.tracing.otlpEndpoint) console.log(`  OTLP export:  ${config.tracing.otlpEndpoint}`);
  if (!["127.0.0.1", "localhost", "::1"].includes(config.host)) {
    console.warn(
      "warning: /journeys, /debug/journeys and /metrics are reachable from the network without authentication",
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`${signal}: finishing in-flight requests (grace ${config.shutdownGraceMs} ms)…`);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  console.log("stopped: every span ended and flushed");
  return 0;
}

process.exitCode = await main();
