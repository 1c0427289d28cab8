import { createTraceState, type TraceState } from "@opentelemetry/api";

const MAX_MEMBERS = 32;
/** Longer values are rejected before any parsing work. */
const MAX_LENGTH = 8192;
const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * Parses `tracestate` strictly: when any member is invalid, a key repeats, or there are
 * more than 32 members, the whole header is discarded (undefined), as Level 2 allows,
 * rather than passing on a partial state. Empty members are skipped.
 */
export function parseTracestate(values: readonly string[]): TraceState | undefined {
  const combined = values.join(",");
  if (combined.length > MAX_LENGTH) return undefined;
  const members: string[] = [];
  const keys = new Set<string>();
  for (const raw of combined.split(",")) {
    const member = raw.replace(/^[ \t]+|[ \t]+$/g, "");
    if (member === "") continue;
    const equals = member.indexOf("=");
    if (equals <= 0) return undefined;
    const key = member.slice(0, equals);
    const value = member.slice(equals + 1);
    if (!KEY.test(key) || !VALUE.test(value) || keys.has(key)) return undefined;
    keys.add(key);
    members.push(member);
    if (members.length > MAX_MEMBERS) return undefined;
  }
  return members.length > 0 ? createTraceState(members.join(",")) : undefined;
}
