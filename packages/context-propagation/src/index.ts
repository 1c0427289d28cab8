export {
  extractContext,
  extractSpanContext,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
} from "./extract.js";
export type { HeaderMap, OutgoingHeaders } from "./headers.js";
export { injectContext } from "./inject.js";
export {
  readSampledHeader,
  SAMPLED_HEADER,
  stripSampledHeader,
  withSampledHeader,
} from "./sampled-header.js";
