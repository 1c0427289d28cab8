import { createTraceState, type TraceState } from "@opentelemetry/api";
import { trimOws } from "./headers.js";

/** The W3C Trace Context header carrying vendor-specific trace data. */
export const TRACESTATE_HEADER = "tracestate";

const MAX_MEMBERS = 32;
/** Far above any honest header; longer values are rejected before any regex work. */
const MAX_LENGTH = 8192;
const SIMPLE_KEY = "[a-z][a-z0-9_\\-*/]{0,255}";
const MULTI_TENANT_KEY = "[a-z0-9][a-z0-9_\\-*/]{0,240}@[a-z][a-z0-9_\\-*/]{0,13}";
const KEY = new RegExp(`^(?:${SIMPLE_KEY}|${MULTI_TENANT_KEY})$`);
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * Parses the values of the `tracestate` header strictly. Repeated headers are combined
 * with ","; empty members and the spaces or tabs around members are skipped. When any
 * member is invalid, a key repeats, or there are more than 32 members, the whole
 * header is discarded (undefined) rather than passed on in part. A header with no
 * members also yields undefined.
 */
export function parseTracestate(values: readonly string[]): TraceState | undefined {
  const combined = values.join(",");
  if (combined.length > MAX_LENGTH) return undefined;
  const members: [key: string, value: string][] = [];
  const keys = new Set<string>();
  for (const raw of combined.split(",")) {
    const member = trimOws(raw);
    if (member === "") continue;
    const equals = member.indexOf("=");
    if (equals < 0) return undefined;
    const key = member.slice(0, equals);
    const value = member.slice(equals + 1);
    if (!KEY.test(key) || !VALUE.test(value) || keys.has(key)) return undefined;
    keys.add(key);
    members.push([key, value]);
    if (members.length > MAX_MEMBERS) return undefined;
  }
  if (members.length === 0) return undefined;
  // createTraceState(string) silently drops a whole state longer than 512 characters;
  // set() has no such limit. Each set() puts its key first, hence the reverse order.
  return members.reduceRight((state, [key, value]) => state.set(key, value), createTraceState());
}
