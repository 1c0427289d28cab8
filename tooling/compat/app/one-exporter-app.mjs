// An application that has only the OTLP/HTTP JSON exporter installed (the protobuf one
// removed): `/sdk` must load, the default protocol must fail at construction naming the
// package to install, and `http/json` must export. Prints one JSON report.

import { createApiTracer } from "@llm-journey/tracer-api";
import { createCoreTracer } from "@llm-journey/tracer-core";
import { createJourneyTracerProvider } from "@llm-journey/tracer-core/sdk";
import { oneRequest } from "./one-request.mjs";
import { startOtlpReceiver } from "./otlp-receiver.mjs";
import { describeOtlpJson } from "./spans.mjs";

const receiver = await startOtlpReceiver();
let defaultProtocolError;
try {
  createJourneyTracerProvider({ endpoint: receiver.url });
} catch (error) {
  defaultProtocolError = String(error?.message ?? error);
}
// The protocol from the standard variable, as an operator sets it.
process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
const provider = createJourneyTracerProvider({ endpoint: receiver.url });
const options = { tracerProvider: provider };
oneRequest(createApiTracer(options), createCoreTracer(options), "json-0");
await provider.shutdown();
receiver.server.close();
const spans = describeOtlpJson(receiver.posts.map((post) => post.body));
process.stdout.write(
  `${JSON.stringify({
    defaultProtocolError,
    contentTypes: [...new Set(receiver.posts.map((post) => post.contentType))],
    spanNames: spans.map((span) => span.name).sort(),
  })}\n`,
);
