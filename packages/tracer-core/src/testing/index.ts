export { assertNoTrackedEntries, type TrackedState } from "./assert-no-tracked-entries.js";
export { createTestTracing, type TestTracing, type TestTracingOptions } from "./test-tracing.js";
export { createThrowingTracerProvider } from "./throwing-tracer-provider.js";
