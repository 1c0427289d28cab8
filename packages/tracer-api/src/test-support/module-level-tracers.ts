import { createCoreTracer } from "@llm-journey/tracer-core";
import { createApiTracer } from "../create-api-tracer.js";

/** What both tracers reported, as "operation: error". */
export const reports: string[] = [];
const onError = (error: unknown, operation: string) =>
  reports.push(`${operation}: ${String(error)}`);

// Both layers created at module level with the global provider, as an ESM application
// does: its imports run before the body of the module that registers the SDK.
export const api = createApiTracer({ sampleRate: 1, onError });
export const core = createCoreTracer({ onError });
