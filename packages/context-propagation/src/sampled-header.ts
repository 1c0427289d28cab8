import {
  copyHeaders,
  type HeaderMap,
  type OutgoingHeaders,
  singleHeaderValue,
  trimOws,
} from "./headers.js";

/**
 * The API layer's sampling decision on its way to the engine core: `1` traced, `0` not.
 * Internal to llm-journey: the API layer strips any client-sent value and always sets
 * its own, so a trace is all or nothing.
 */
export const SAMPLED_HEADER = "x-llm-journey-sampled";

/**
 * `true` for "1", `false` for "0", `undefined` when the header is absent, repeated or
 * holds anything else (the core then applies its own rate). Never throws.
 */
export function readSampledHeader(headers: HeaderMap | undefined): boolean | undefined {
  const raw = singleHeaderValue(headers, SAMPLED_HEADER);
  if (raw === undefined) return undefined;
  const value = trimOws(raw);
  if (value === "1") return true;
  if (value === "0") return false;
  return undefined;
}

/** A new header map with the sampled header set to "1" or "0", any previous one (any case) replaced. */
export function withSampledHeader(
  headers: HeaderMap | undefined,
  sampled: boolean,
): OutgoingHeaders {
  const merged = copyHeaders(headers, [SAMPLED_HEADER]);
  merged[SAMPLED_HEADER] = sampled ? "1" : "0";
  return merged;
}

/** A new header map without the sampled header (any case): what a client may not set. */
export function stripSampledHeader(headers: HeaderMap | undefined): OutgoingHeaders {
  return copyHeaders(headers, [SAMPLED_HEADER]);
}
