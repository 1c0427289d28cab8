import { SAMPLED_HEADER } from "@llm-journey/context-propagation";
import type { JourneyHandle } from "./journey-handle.js";

/** The engine core must hear "not traced" too, or it would apply its own rate. */
const NOT_SAMPLED_HEADERS = Object.freeze({ [SAMPLED_HEADER]: "0" });

/** Tracing off or sampled out: one shared handle, nothing allocated per request. */
export const NOOP_JOURNEY_HANDLE: JourneyHandle = Object.freeze({
  traced: false,
  closed: true,
  coreHeaders: NOT_SAMPLED_HEADERS,
  capturesContent: false,
  setRequestAttributes() {},
  setContent() {},
  setUsage() {},
  setCoreLatencies() {},
  setFinishReasons() {},
  handoffToCore() {},
  firstResponse() {},
  departed() {},
  aborted() {},
});
