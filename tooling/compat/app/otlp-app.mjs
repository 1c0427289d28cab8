// One request through both layers, exported over OTLP to a local collector, in either of
// two applications; prints one JSON report.
//
// - `setup`: docs/install.md's setup for the stack, saved beside this file as `tracing.mjs`,
//   used as an application would, the collector named by the standard environment variable.
// - `json-only`: only the OTLP/HTTP JSON exporter installed (the protobuf one removed):
//   `/sdk` must load, the default protocol must fail at construction naming the package to
//   install, and `http/json`, from the standard variable, must export.
//
// Usage: node otlp-app.mjs <setup|json-only>

import { createApiTracer } from "@llm-journey/tracer-api";
import { createCoreTracer } from "@llm-journey/tracer-core";
import { createJourneyTracerProvider } from "@llm-journey/tracer-core/sdk";
import { oneRequest, startOtlpReceiver } from "./shared.mjs";

const app = process.argv[2];
const receiver = await startOtlpReceiver();
const report = {};
let provider, api, core;
if (app === "setup") {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.origin;
  const setup = await import("./tracing.mjs");
  report.exports = Object.keys(setup).sort();
  ({ provider, apiJourneys: api, coreJourneys: core } = setup);
} else {
  try {
    createJourneyTracerProvider({ endpoint: receiver.url });
  } catch (error) {
    report.defaultProtocolError = String(error?.message ?? error);
  }
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
  provider = createJourneyTracerProvider({ endpoint: receiver.url });
  api = createApiTracer({ tracerProvider: provider });
  core = createCoreTracer({ tracerProvider: provider });
}
report.traced = oneRequest(api, core, `${app}-0`).traced;
await provider.shutdown();
receiver.server.close();
report.contentTypes = [...new Set(receiver.posts.map((post) => post.contentType))];
// Span names are plain UTF-8 in a protobuf body as in a JSON one.
const bodies = Buffer.concat(receiver.posts.map((post) => post.body)).toString("latin1");
report.spanNames = ["llm_request", "llm_core"].filter((name) => bodies.includes(name));
process.stdout.write(`${JSON.stringify(report)}\n`);
