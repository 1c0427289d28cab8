// One typical request as a server and its engine drive both layers: the API journey
// (arrived, handoff, first response, departed) around the core journey (queued, scheduled,
// first token, preempted, resumed, finished): ten events when traced. The engine calls
// `requestProgressed` once per step the request is in the batch: 16 times here.
import { NOT_SAMPLED_HEADERS } from "./workload.mjs";

export const PROMPT_TOKENS = 24;
export const OUTPUT_TOKENS = 16;
export const MODEL = "llm-journey-simulated";

/** Headers of a typical incoming HTTP request (no client trace context). */
export const INCOMING_HEADERS = Object.freeze({
  host: "127.0.0.1:8000",
  "user-agent": "llm-journey-bench/1.0",
  accept: "application/json",
  "content-type": "application/json",
  "content-length": "123",
  connection: "keep-alive",
});

/** The engine's request object: its own `CoreRequestView`. */
export function newView(requestId, traceHeaders) {
  return {
    requestId,
    traceHeaders,
    promptTokens: PROMPT_TOKENS,
    computedTokens: 0,
    outputTokens: 0,
    maxTokens: OUTPUT_TOKENS,
    preemptions: 0,
  };
}

/**
 * The whole request through `api` (an `ApiJourneyTracer`) and `core` (a
 * `CoreJourneyTracer`). `extraPreemptions` adds preempt/resume cycles (two core events
 * each); `extraSteps` adds `requestProgressed` calls that change nothing (no event).
 */
export function tracedRequest(api, core, requestId, extraPreemptions = 0, extraSteps = 0) {
  const handle = api.startJourney({ requestId, headers: INCOMING_HEADERS });
  handle.setRequestAttributes({ operation: "chat", model: MODEL, maxTokens: 16, stream: true });
  const view = newView(requestId, handle.coreHeaders);
  let step = 1;
  core.requestAdded(view, step);
  handle.handoffToCore();
  core.requestScheduled(view, ++step);
  view.computedTokens = PROMPT_TOKENS;
  view.outputTokens = 1;
  core.requestProgressed(view, step);
  handle.firstResponse();
  for (let i = 0; i < 3; i++) {
    view.outputTokens++;
    core.requestProgressed(view, ++step);
  }
  for (let p = 0; p <= extraPreemptions; p++) {
    view.computedTokens = 0;
    view.preemptions++;
    core.requestPreempted(view, step);
    step += 2;
    core.requestScheduled(view, step);
  }
  view.computedTokens = PROMPT_TOKENS;
  view.outputTokens++;
  core.requestProgressed(view, step);
  while (view.outputTokens < OUTPUT_TOKENS) {
    view.outputTokens++;
    core.requestProgressed(view, ++step);
  }
  for (let i = 0; i < extraSteps; i++) core.requestProgressed(view, ++step);
  core.requestFinished(view, "length", step);
  handle.setUsage({ inputTokens: PROMPT_TOKENS, outputTokens: OUTPUT_TOKENS });
  handle.setFinishReasons(["length"]);
  handle.departed();
  return view;
}

/** The same request with no tracing: what an uninstrumented server does anyway. */
export function untracedRequest(requestId) {
  const view = newView(requestId, NOT_SAMPLED_HEADERS);
  view.computedTokens = PROMPT_TOKENS;
  view.outputTokens = 1;
  for (let i = 0; i < 3; i++) view.outputTokens++;
  view.computedTokens = 0;
  view.preemptions++;
  view.computedTokens = PROMPT_TOKENS;
  view.outputTokens++;
  while (view.outputTokens < OUTPUT_TOKENS) view.outputTokens++;
  return view;
}

/** Stand-ins for "this layer not instrumented", for the per-layer breakdown. */
export const EMPTY_HANDLE = Object.freeze({
  coreHeaders: NOT_SAMPLED_HEADERS,
  setRequestAttributes() {},
  handoffToCore() {},
  firstResponse() {},
  setUsage() {},
  setFinishReasons() {},
  departed() {},
});
export const EMPTY_API = Object.freeze({ startJourney: () => EMPTY_HANDLE });
export const EMPTY_CORE = Object.freeze({
  requestAdded() {},
  requestScheduled() {},
  requestProgressed() {},
  requestPreempted() {},
  requestFinished() {},
});

/**
 * The same request on the legacy path (`legacy-buffer`): the scheduler hooks go
 * to `hooks` (the legacy recorder, or `dualJourneyTracer(core, recorder)`), the records
 * are drained after each hook that buffers one, as the engine drains them with the step's
 * outputs, and `builder` builds the span after the fact. `api` is the API tracer in dual
 * mode, or EMPTY_API in legacy mode (the legacy span is the request's span there).
 */
export function legacyRequest(api, hooks, recorder, builder, requestId, arrivalTime) {
  const handle = api.startJourney({ requestId, headers: INCOMING_HEADERS });
  handle.setRequestAttributes({ operation: "chat", model: MODEL, maxTokens: 16, stream: true });
  const traceHeaders = handle === EMPTY_HANDLE ? SAMPLED_ONLY : handle.coreHeaders;
  builder.begin(requestId, { arrivalTime, traceHeaders });
  const view = newView(requestId, traceHeaders);
  const drain = () => builder.collectStep(recorder.drainStep());
  let step = 1;
  hooks.requestAdded(view, step);
  drain();
  handle.handoffToCore();
  hooks.requestScheduled(view, ++step);
  drain();
  view.computedTokens = PROMPT_TOKENS;
  view.outputTokens = 1;
  hooks.requestProgressed(view, step);
  drain();
  handle.firstResponse();
  for (let i = 0; i < 3; i++) {
    view.outputTokens++;
    hooks.requestProgressed(view, ++step);
  }
  view.computedTokens = 0;
  view.preemptions++;
  hooks.requestPreempted(view, step);
  drain();
  step += 2;
  hooks.requestScheduled(view, step);
  drain();
  view.computedTokens = PROMPT_TOKENS;
  view.outputTokens++;
  hooks.requestProgressed(view, step);
  while (view.outputTokens < OUTPUT_TOKENS) {
    view.outputTokens++;
    hooks.requestProgressed(view, ++step);
  }
  hooks.requestFinished(view, "length", step);
  drain();
  builder.complete(requestId, { status: "length" });
  handle.setUsage({ inputTokens: PROMPT_TOKENS, outputTokens: OUTPUT_TOKENS });
  handle.setFinishReasons(["length"]);
  handle.departed();
  return view;
}

/** What a legacy-only API side sends the engine: traced, no trace context. */
const SAMPLED_ONLY = Object.freeze({ "x-llm-journey-sampled": "1" });
