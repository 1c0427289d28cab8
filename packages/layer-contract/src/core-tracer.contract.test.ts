import {
  CORE_SPAN_NAME,
  CORE_TRACER_SCOPE,
  type CoreJourneyTracer,
  type CoreRequestView,
  createCoreTracer,
  NOOP_CORE_TRACER,
} from "@llm-journey/tracer-core";
import type { TestTracing } from "@llm-journey/tracer-core/testing";
import { describe } from "vitest";
import { describeLateRegistration } from "./late-registration-contract.js";
import type { LayerSubject } from "./layer-subject.js";
import { describeWatchdog } from "./watchdog-contract.js";

interface Request extends CoreRequestView {
  computedTokens: number;
  outputTokens: number;
}

const request = (requestId: string, upstreamTraced = false): Request => ({
  requestId,
  ...(upstreamTraced ? { traceHeaders: { "x-llm-journey-sampled": "1" } } : {}),
  promptTokens: 4,
  computedTokens: 0,
  outputTokens: 0,
  maxTokens: 2,
  preemptions: 0,
});

let step = 0;

/** The core tracer, driven as a scheduler drives it. */
const coreTracer: LayerSubject<CoreJourneyTracer> = {
  name: "core tracer",
  createOperation: "createCoreTracer",
  startOperation: "requestAdded",
  scope: CORE_TRACER_SCOPE,
  spanName: CORE_SPAN_NAME,
  noop: NOOP_CORE_TRACER,
  reportsNoSdk: true,
  sampled: true,
  create: (options) => createCoreTracer(options),
  open(core, requestId, options) {
    const r = request(requestId, options?.upstreamTraced);
    core.requestAdded(r, ++step);
    return {
      progress() {
        core.requestScheduled(r, ++step);
        r.computedTokens = r.promptTokens;
        r.outputTokens = 1;
        core.requestProgressed(r, step);
      },
      finish: () => core.requestFinished(r, "stopped", ++step),
    };
  },
  serve(core, requestIds, abort = []) {
    const open = requestIds.map((id) => ({ id, request: this.open(core, id) }));
    for (const { request } of open) request.progress();
    for (const { id, request } of open) {
      if (abort.includes(id)) core.requestFinished(id, "aborted", ++step);
      else request.finish();
    }
  },
  recorded: (_core, testing: TestTracing) =>
    testing.spansNamed(CORE_SPAN_NAME).map((span) => String(span.attributes["gen_ai.request.id"])),
  shutdown: (core) => core.shutdown(++step),
  closedByWatchdog: (testing) =>
    testing
      .spansNamed(CORE_SPAN_NAME)
      .filter((span) =>
        span.events.some(
          (event) =>
            event.name === "journey.FINISHED" &&
            event.attributes?.["journey.closed_by"] === "watchdog" &&
            event.attributes?.["finish.status"] === "aborted",
        ),
      )
      .map((span) => String(span.attributes["gen_ai.request.id"])),
};

describe("the core tracer keeps the layer contract", () => {
  describeLateRegistration(coreTracer);
  describeWatchdog(coreTracer);
});
