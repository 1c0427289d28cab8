export type { BatchOptions } from "./batch-options.js";
export {
  createJourneyTracerProvider,
  type JourneyTracerProviderOptions,
} from "./create-journey-tracer-provider.js";
export { createJourneySampler, type JourneySamplerOptions } from "./journey-sampler.js";
export {
  createOtlpTraceExporter,
  type OtlpHttpProtocol,
  type OtlpTraceExporterOptions,
  resolveOtlpProtocol,
} from "./otlp-trace-exporter.js";
export { createServiceResource, type ServiceResourceOptions } from "./service-resource.js";
