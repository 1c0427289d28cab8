export {
  createJourneyTracerProvider,
  type JourneyTracerProviderOptions,
} from "./create-journey-tracer-provider.js";
