// Runs the README's setup for this stack, saved beside this file as `tracing.mjs`, as an
// application would use it: one request through the tracers it exports, exported over
// OTLP to a local collector named by the standard environment variable, then a shutdown
// that flushes. Prints one JSON report.

import { oneRequest } from "./one-request.mjs";
import { startOtlpReceiver } from "./otlp-receiver.mjs";

const receiver = await startOtlpReceiver();
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.origin;
const setup = await import("./tracing.mjs");
const handle = oneRequest(setup.apiJourneys, setup.coreJourneys, "setup-0");
await setup.provider.shutdown();
receiver.server.close();
const bodies = Buffer.concat(receiver.posts.map((post) => post.body)).toString("latin1");
process.stdout.write(
  `${JSON.stringify({
    exports: Object.keys(setup).sort(),
    traced: handle.traced,
    contentTypes: [...new Set(receiver.posts.map((post) => post.contentType))],
    // Span names are plain UTF-8 in a protobuf body.
    spanNames: ["llm_request", "llm_core"].filter((name) => bodies.includes(name)),
  })}\n`,
);
