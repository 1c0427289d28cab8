export { assertNoTrackedEntries, type TrackedState } from "./assert-no-tracked-entries.js";
export { createTestTracing, type TestTracing } from "./test-tracing.js";
export { createThrowingTracerProvider } from "./throwing-tracer-provider.js";
