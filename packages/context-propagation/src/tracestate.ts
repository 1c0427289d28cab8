import { createTraceState, type TraceState } from "@opentelemetry/api";
import { trimOws } from "./headers.js";

/** The W3C Trace Context header carrying vendor-specific trace data. */
export const TRACESTATE_HEADER = "tracestate";

const MAX_MEMBERS = 32;
/**
 * Far above the 512 characters the specification asks to propagate at least, and the
 * per-field limit of common HTTP servers and proxies. Longer incoming values are
 * rejected before any regex work; outgoing values are truncated to fit.
 */
const MAX_LENGTH = 8192;
/** Level 2 truncation removes the entries longer than this first. */
const LONG_MEMBER = 128;
/** `key = ( lcalpha / DIGIT ) 0*255 ( keychar )`, `keychar` including `@`. */
const KEY = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/;
/** `value = 0*255(chr) nblk-chr`: printable ASCII but `,` and `=`, no trailing space. */
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * Parses the values of the `tracestate` header strictly. Repeated headers are combined
 * with ","; empty members and the spaces or tabs around members are skipped. When any
 * member is invalid or there are more than 32 members, the whole header is discarded
 * (undefined) rather than passed on in part. A repeated key is not invalid: its first
 * (leftmost, most recent) entry is kept in its place and the later ones are dropped. A
 * header with no members also yields undefined.
 */
export function parseTracestate(values: readonly string[]): TraceState | undefined {
  const combined = values.join(",");
  if (combined.length > MAX_LENGTH) return undefined;
  const members: [key: string, value: string][] = [];
  for (const raw of combined.split(",")) {
    const member = trimOws(raw);
    if (member === "") continue;
    const equals = member.indexOf("=");
    if (equals < 0) return undefined;
    const key = member.slice(0, equals);
    const value = member.slice(equals + 1);
    if (!KEY.test(key) || !VALUE.test(value)) return undefined;
    // Repeated keys count: the limit is on the members of the header as sent.
    if (members.push([key, value]) > MAX_MEMBERS) return undefined;
  }
  if (members.length === 0) return undefined;
  // createTraceState(string) silently drops a whole state longer than 512 characters and
  // applies the Level 1 key grammar; set() checks nothing. Each set() puts its key first,
  // moving a key already there, so building from the right keeps the leftmost entry of a
  // repeated key, in its place.
  return members.reduceRight((state, [key, value]) => state.set(key, value), createTraceState());
}

/**
 * The `tracestate` to send for `traceState`, or undefined when it has no member to send.
 * Members are checked one by one, since a TraceState built with set() is not validated:
 * a member is written only when its key and value are valid and `traceState.get(key)`
 * gives exactly that value, so a value holding "," or "=" cannot make a member appear
 * from nowhere. Invalid members and repeats are left out, the others kept in order. More
 * than 32 members, or more than 8192 characters, are truncated by whole entries as
 * Level 2 says: the first 32 are kept, then entries over 128 characters are removed
 * first, then entries from the end. Throws only if `traceState` does.
 */
export function formatTracestate(traceState: TraceState): string | undefined {
  const serialized = traceState.serialize();
  if (typeof serialized !== "string" || serialized === "") return undefined;
  const pieces = serialized.split(",");
  const kept: string[] = [];
  const keys: string[] = [];
  for (const piece of pieces) {
    const equals = piece.indexOf("=");
    if (equals < 0) continue;
    const key = piece.slice(0, equals);
    if (!KEY.test(key) || keys.includes(key)) continue;
    const value = traceState.get(key);
    if (typeof value !== "string" || !VALUE.test(value)) continue;
    // The piece must be the whole member: the key, "=", then exactly its value.
    if (piece.length !== equals + 1 + value.length || !piece.endsWith(value)) continue;
    keys.push(key);
    kept.push(piece);
  }
  if (kept.length === 0) return undefined;
  // The common case: every member valid and within the limits, sent as serialized.
  const withinLimits = kept.length <= MAX_MEMBERS && serialized.length <= MAX_LENGTH;
  return kept.length === pieces.length && withinLimits ? serialized : truncate(kept).join(",");
}

/** `members` cut to at most 32 entries and 8192 characters, by whole entries. */
function truncate(members: string[]): string[] {
  if (members.length > MAX_MEMBERS) members.length = MAX_MEMBERS;
  let length = members.reduce((sum, member) => sum + member.length, members.length - 1);
  while (length > MAX_LENGTH) {
    const long = members.findLastIndex((member) => member.length > LONG_MEMBER);
    const index = long >= 0 ? long : members.length - 1;
    const [removed = ""] = members.splice(index, 1);
    length -= removed.length + 1;
  }
  return members;
}
