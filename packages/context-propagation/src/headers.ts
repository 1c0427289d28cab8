/**
 * An incoming or outgoing header map, as `node:http` gives it: values may be repeated
 * (an array) or absent. Keys are matched case-insensitively.
 */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A plain header map produced by this package: one string per header. */
export type OutgoingHeaders = Record<string, string>;

/**
 * Every value of the header `name` (lowercase), whatever the case of its key, in key
 * order. Node lowercases incoming names, but maps built by hand or by other frameworks
 * may not. Returns undefined when the map holds something that is not a string (a
 * smuggled number, object or array element) under that name, or cannot be read: callers
 * treat that as a malformed header.
 */
export function headerValues(headers: HeaderMap | undefined, name: string): string[] | undefined {
  if (headers === null || typeof headers !== "object") return [];
  let values: string[] | undefined;
  try {
    // for-in walks the map's cached key list without building an array (Object.keys
    // does); only own keys count, checked on the rare key that matches.
    for (const key in headers) {
      if (!isName(key, name) || !Object.hasOwn(headers, key)) continue;
      const value: unknown = (headers as Record<string, unknown>)[key];
      if (value === undefined) continue;
      values ??= [];
      if (typeof value === "string") {
        values.push(value);
      } else if (Array.isArray(value)) {
        for (const item of value as readonly unknown[]) {
          if (typeof item !== "string") return undefined;
          values.push(item);
        }
      } else {
        return undefined;
      }
    }
  } catch {
    // A throwing getter or a revoked proxy: the header cannot be trusted.
    return undefined;
  }
  return values ?? [];
}

/**
 * The one value of the header `name` (lowercase), whatever the case of its key: what
 * `headerValues` gives when it gives exactly one value, else undefined (absent, repeated,
 * malformed). It allocates nothing: it runs for every request, sampled out or not.
 */
export function singleHeaderValue(
  headers: HeaderMap | undefined,
  name: string,
): string | undefined {
  if (headers === null || typeof headers !== "object") return undefined;
  let found: string | undefined;
  try {
    for (const key in headers) {
      if (!isName(key, name) || !Object.hasOwn(headers, key)) continue;
      const value: unknown = (headers as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (typeof value === "string") {
        if (found !== undefined) return undefined;
        found = value;
      } else if (Array.isArray(value)) {
        for (const item of value as readonly unknown[]) {
          if (typeof item !== "string" || found !== undefined) return undefined;
          found = item;
        }
      } else {
        return undefined;
      }
    }
  } catch {
    // A throwing getter or a revoked proxy: the header cannot be trusted.
    return undefined;
  }
  return found;
}

/** `key` names the header `name` (lowercase) in any case; the exact match is tried first. */
function isName(key: string, name: string): boolean {
  return key === name || (key.length === name.length && key.toLowerCase() === name);
}

/**
 * A new plain map with every header except the `excluded` ones (lowercase names, matched
 * in any case). Repeated values are combined with "," (RFC 9110 §5.3), except `cookie`,
 * whose pieces are combined with "; " (RFC 9113 §8.2.3) so that no cookie is corrupted.
 * Numbers are written as strings; other non-string values, and headers that cannot be
 * read, are dropped. Never throws.
 */
export function copyHeaders(
  headers: HeaderMap | undefined,
  excluded: readonly string[],
): OutgoingHeaders {
  const copy: OutgoingHeaders = {};
  for (const key of ownKeys(headers)) {
    const lower = key.toLowerCase();
    if (excluded.includes(lower)) continue;
    const value = fieldValue(headers, key, lower === "cookie" ? "; " : ",");
    if (value !== undefined) copy[key] = value;
  }
  return copy;
}

function fieldValue(headers: HeaderMap | undefined, key: string, separator: string) {
  try {
    const value: unknown = (headers as Record<string, unknown>)[key];
    if (!Array.isArray(value)) return scalarValue(value);
    const parts: string[] = [];
    for (const item of value as readonly unknown[]) {
      const part = scalarValue(item);
      if (part !== undefined) parts.push(part);
    }
    return parts.length > 0 ? parts.join(separator) : undefined;
  } catch {
    // A throwing getter or a revoked proxy is treated as an absent header.
    return undefined;
  }
}

function scalarValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

function ownKeys(headers: HeaderMap | undefined): string[] {
  if (headers === null || typeof headers !== "object") return [];
  try {
    return Object.keys(headers);
  } catch {
    // A proxy whose keys cannot be listed holds no usable headers.
    return [];
  }
}

/**
 * `value` without the optional whitespace (spaces and tabs) around it. A loop rather
 * than a regex: `[ \t]+$` is quadratic on long inner runs of spaces.
 */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
