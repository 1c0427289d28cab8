import { type HeaderMap, SAMPLED_HEADER } from "@llm-journey/context-propagation";

/**
 * The read-only view of a request that the core hooks read. Any scheduler can provide
 * it, usually by passing its own request object. It is read on every hook call and
 * again when the journey finishes, so its fields must reflect the request's current state.
 */
export interface CoreRequestView {
  /** The engine's request id; becomes `gen_ai.request.id`. */
  readonly requestId: string;
  /** The headers that travelled with the request: trace context and the sampled header. */
  readonly traceHeaders?: HeaderMap | undefined;
  /** Tokens in the prompt. */
  readonly promptTokens: number;
  /** Prompt tokens computed so far; may drop back to 0 after a preemption by recompute. */
  readonly computedTokens: number;
  /** Output tokens generated so far. */
  readonly outputTokens: number;
  /** The request's output limit. */
  readonly maxTokens: number;
  /** Preemptions so far. */
  readonly preemptions: number;
}

/** The id of a request given as its view or as the id itself (`requestFinished` takes both). */
export function requestIdOf(request: CoreRequestView | string): string {
  return typeof request === "string" ? request : request.requestId;
}

/**
 * The API layer's "not traced", exactly as it writes it (lowercase name, "0"). One
 * property read, no scan of the map: it runs on every hook of every untraced request.
 * Other spellings of the header are still honoured by `readSampledHeader`.
 */
export function isMarkedNotSampled(headers: HeaderMap | undefined): boolean {
  return headers !== undefined && headers !== null && headers[SAMPLED_HEADER] === "0";
}

/** The API layer's "traced", exactly as it writes it: the core must know such a request. */
export function isMarkedSampled(headers: HeaderMap | undefined): boolean {
  return headers !== undefined && headers !== null && headers[SAMPLED_HEADER] === "1";
}
