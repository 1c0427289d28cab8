import {
  copyHeadersWithout,
  type HeaderMap,
  headerValues,
  type OutgoingHeaders,
} from "./headers.js";

/**
 * The API layer's sampling decision on its way to the engine core: `1` traced, `0` not.
 * Internal: the API layer strips any client-sent value and always sets its own.
 */
export const SAMPLED_HEADER = "x-llm-journey-sampled";

/** `true` for "1", `false` for "0", `undefined` when absent, repeated or anything else. */
export function readSampledHeader(headers: HeaderMap | undefined): boolean | undefined {
  const values = headerValues(headers, SAMPLED_HEADER);
  if (values.length !== 1) return undefined;
  const value = (values[0] as string).trim();
  if (value === "1") return true;
  if (value === "0") return false;
  return undefined;
}

/** A new header map with the sampled header set to the decision (any previous one replaced). */
export function withSampledHeader(
  headers: HeaderMap | undefined,
  sampled: boolean,
): OutgoingHeaders {
  const merged = copyHeadersWithout(headers, [SAMPLED_HEADER]);
  merged[SAMPLED_HEADER] = sampled ? "1" : "0";
  return merged;
}

/** A new header map without the sampled header, in any case. */
export function stripSampledHeader(headers: HeaderMap | undefined): OutgoingHeaders {
  return copyHeadersWithout(headers, [SAMPLED_HEADER]);
}
