/** Incoming header map, as `node:http` gives it; keys are matched case-insensitively. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A plain header map produced by this package. */
export type OutgoingHeaders = Record<string, string>;

/**
 * Every value of a header, whatever the case of its key. Node lowercases incoming
 * names, but header maps built by hand or by other frameworks may not.
 */
export function headerValues(headers: HeaderMap | undefined, name: string): string[] {
  const values: string[] = [];
  if (headers === undefined || headers === null || typeof headers !== "object") return values;
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue;
    const value = headers[key];
    if (typeof value === "string") values.push(value);
    else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "string") values.push(item);
    }
  }
  return values;
}

/**
 * A new plain map with every header except the named ones (any case). Array values
 * are joined with ", ", the HTTP rule for combining repeated fields.
 */
export function copyHeadersWithout(
  headers: HeaderMap | undefined,
  excluded: readonly string[],
): OutgoingHeaders {
  const copy: OutgoingHeaders = {};
  if (headers === undefined || headers === null || typeof headers !== "object") return copy;
  for (const key of Object.keys(headers)) {
    if (excluded.includes(key.toLowerCase())) continue;
    const value = headers[key];
    if (typeof value === "string") copy[key] = value;
    else if (Array.isArray(value))
      copy[key] = value.filter((v) => typeof v === "string").join(", ");
  }
  return copy;
}
