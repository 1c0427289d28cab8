import {
  describeLateRegistration,
  describeWatchdog,
  type LayerSubject,
} from "@llm-journey/layer-contract";
import { describe } from "vitest";
import { API_SPAN_NAME, API_TRACER_SCOPE } from "./api-attributes.js";
import type { ApiJourneyTracer } from "./api-tracer.js";
import { createApiTracer } from "./create-api-tracer.js";
import { NOOP_API_TRACER } from "./noop-api-tracer.js";

/** The API tracer, driven as an HTTP handler drives it. */
const apiTracer: LayerSubject<ApiJourneyTracer> = {
  name: "API tracer",
  createOperation: "createApiTracer",
  startOperation: "startJourney",
  scope: API_TRACER_SCOPE,
  spanName: API_SPAN_NAME,
  noop: NOOP_API_TRACER,
  reportsNoSdk: true,
  sampled: true,
  create: (options) => createApiTracer(options),
  open(api, requestId) {
    const handle = api.startJourney({ requestId });
    return {
      progress() {
        handle.handoffToCore();
        handle.firstResponse();
        handle.setUsage({ outputTokens: 1 });
      },
      finish: () => handle.departed(),
    };
  },
  serve(api, requestIds, abort = []) {
    for (const requestId of requestIds) {
      const handle = api.startJourney({ requestId });
      handle.handoffToCore();
      if (abort.includes(requestId)) handle.aborted("client_disconnect");
      else handle.departed();
    }
  },
  recorded: (_api, testing) =>
    testing.spansNamed(API_SPAN_NAME).map((span) => String(span.attributes["gen_ai.request.id"])),
  shutdown: (api) => api.shutdown(),
  closedByWatchdog: (testing) =>
    testing
      .spansNamed(API_SPAN_NAME)
      .filter((span) => {
        const last = span.events.at(-1);
        return last?.name === "api.ABORTED" && last.attributes?.reason === "watchdog";
      })
      .map((span) => String(span.attributes["gen_ai.request.id"])),
};

describe("the API tracer keeps the layer contract", () => {
  describeLateRegistration(apiTracer);
  describeWatchdog(apiTracer);
});
