export { extractContext, extractSpanContext } from "./extract.js";
export type { HeaderMap, OutgoingHeaders } from "./headers.js";
export { injectContext, injectSampledSpanContext, injectSpanContext } from "./inject.js";
export {
  readSampledHeader,
  SAMPLED_HEADER,
  stripSampledHeader,
  withSampledHeader,
} from "./sampled-header.js";
export { TRACEPARENT_HEADER } from "./traceparent.js";
export { TRACESTATE_HEADER } from "./tracestate.js";
