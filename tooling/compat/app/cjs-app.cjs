// A CommonJS service as many are written: both tracers built at module load, the SDK
// registered afterwards through `require("@opentelemetry/api")`. With API 1.10 that
// `require` loads another copy of the API than the layers' `import`; the tracers must find
// the SDK all the same, and say nothing about a missing one. Prints one JSON report.
//
// Usage: node cjs-app.cjs <sdk2|sdk3>

const { createApiTracer } = require("@llm-journey/tracer-api");
const { createCoreTracer } = require("@llm-journey/tracer-core");

const stack = process.argv[2];
const notices = [];
const onError = (error, operation) => notices.push(`${operation}: ${String(error)}`);

// At module load, before any SDK: the tracers wait for one.
const api = createApiTracer({ onError });
const core = createCoreTracer({ onError });
const enabledBefore = { api: api.enabled, core: core.enabled };

// Later, the application's own SDK, loaded and registered through require; then one
// request through both layers (the shared helpers, through require(esm)).
const { trace } = require("@opentelemetry/api");
const { describeSpan, inMemorySdk, oneRequest } = require("./shared.mjs");
inMemorySdk(stack, require).then(async ({ provider, exporter }) => {
  const registered = trace.setGlobalTracerProvider(provider);
  const handle = oneRequest(api, core, "cjs-0");
  const spans = exporter.getFinishedSpans().map(describeSpan);
  await provider.shutdown();
  process.stdout.write(
    `${JSON.stringify({
      registered,
      enabledBefore,
      enabledAfter: { api: api.enabled, core: core.enabled },
      traced: handle.traced,
      spans,
      notices,
      open: api.trackedEntries + core.trackedEntries,
    })}\n`,
  );
});
