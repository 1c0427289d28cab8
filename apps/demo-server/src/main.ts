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
  const engine = await startEngine(config);
  const server = await startServer(config, engine);
  console.log(`llm-journey demo server (simulated model) listening on ${server.url}`);
  console.log(`  OpenAI API:   ${server.url}/v1  (model "llm-journey-simulated")`);
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
