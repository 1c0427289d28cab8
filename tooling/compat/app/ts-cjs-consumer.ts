// A TypeScript project that compiles to CommonJS (its package.json has no "type": "module"),
// importing every layer's entries, compiled with each `module` setting the README names.
// Run after compiling: prints the spans of one request as JSON.

import { extractContext } from "@llm-journey/context-propagation";
import { type ApiJourneyTracer, createApiTracer, TracingNotice } from "@llm-journey/tracer-api";
import { type CoreJourneyTracer, createCoreTracer } from "@llm-journey/tracer-core";
import { createJourneyTracerProvider } from "@llm-journey/tracer-core/sdk";
import { createTestTracing } from "@llm-journey/tracer-core/testing";

const testing = createTestTracing();
const api: ApiJourneyTracer = createApiTracer({ tracerProvider: testing.provider });
const core: CoreJourneyTracer = createCoreTracer({ tracerProvider: testing.provider });
const handle = api.startJourney({ requestId: "ts-cjs-0" });
const request = {
  requestId: "ts-cjs-0",
  traceHeaders: { ...handle.coreHeaders },
  promptTokens: 1,
  computedTokens: 1,
  outputTokens: 1,
  maxTokens: 1,
  preemptions: 0,
};
core.requestAdded(request, 0);
handle.setCoreLatencies(core.requestFinished(request, "stopped", 1));
handle.departed();
testing.assertEverySpanEndedOnce();
console.log(
  JSON.stringify({
    spans: testing
      .finishedSpans()
      .map((span) => span.name)
      .sort(),
    entries: [typeof extractContext, typeof createJourneyTracerProvider, typeof TracingNotice],
  }),
);
