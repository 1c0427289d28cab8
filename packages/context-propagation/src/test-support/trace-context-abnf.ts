/**
 * The W3C Trace Context Level 2 header grammar, written rule by rule from the
 * specification's ABNF, character by character and without the package's regexes, so
 * that tests can hold the package to the specification rather than to itself.
 */

const isDigit = (c: string) => c >= "0" && c <= "9";
/** `lcalpha = %x61-7A` */
const isLcAlpha = (c: string) => c >= "a" && c <= "z";
/** `HEXDIGLC = DIGIT / "a" / "b" / "c" / "d" / "e" / "f"` */
const isHexDigLc = (c: string) => isDigit(c) || (c >= "a" && c <= "f");
/** `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"` */
const isKeyChar = (c: string) => isLcAlpha(c) || isDigit(c) || "_-*/@".includes(c);
/** `nblk-chr = %x21-2B / %x2D-3C / %x3E-7E` */
function isNblkChr(c: string): boolean {
  const code = c.charCodeAt(0);
  return (
    c.length === 1 &&
    ((code >= 0x21 && code <= 0x2b) ||
      (code >= 0x2d && code <= 0x3c) ||
      (code >= 0x3e && code <= 0x7e))
  );
}
/** `chr = %x20 / nblk-chr` */
const isChr = (c: string) => c === " " || isNblkChr(c);
/** `OWS` (RFC 9110): spaces and horizontal tabs. */
const isOws = (c: string) => c === " " || c === "\t";

const hexField = (field: string | undefined, length: number) =>
  field !== undefined && field.length === length && [...field].every(isHexDigLc);
const allZero = (field: string) => [...field].every((c) => c === "0");

/**
 * A `traceparent` as a vendor may send it: `version "-" version-format` with version
 * `00`, non-zero `trace-id` and `parent-id`, and `trace-flags` with no bit set but sampled
 * (`0x01`) and random (`0x02`): "Vendors MUST set those [other flags] to zero".
 */
export function isOutgoingTraceparent(value: string): boolean {
  const fields = value.split("-");
  if (fields.length !== 4) return false;
  const [version, traceId = "", parentId = "", flags = ""] = fields;
  return (
    version === "00" &&
    hexField(traceId, 32) &&
    !allZero(traceId) &&
    hexField(parentId, 16) &&
    !allZero(parentId) &&
    hexField(flags, 2) &&
    (Number.parseInt(flags, 16) & ~0x03) === 0
  );
}

/** `key = ( lcalpha / DIGIT ) 0*255 ( keychar )` */
export function isKey(key: string): boolean {
  const first = key[0];
  if (first === undefined || key.length > 256) return false;
  return (isLcAlpha(first) || isDigit(first)) && [...key].every(isKeyChar);
}

/** `value = 0*255(chr) nblk-chr` */
export function isValue(value: string): boolean {
  const last = value.at(-1);
  if (last === undefined || value.length > 256) return false;
  return [...value].every(isChr) && isNblkChr(last);
}

/**
 * The `key "=" value` members of a `tracestate` field value, in order, by
 * `list = list-member 0*31( OWS "," OWS list-member )` with `list-member = key "=" value`
 * or `list-member = OWS`; empty members are skipped and not counted. Undefined when a
 * member matches neither. The 32-member bound is left to the caller.
 */
export function tracestateMembers(list: string): [key: string, value: string][] | undefined {
  const members: [string, string][] = [];
  for (const piece of list.split(",")) {
    let start = 0;
    let end = piece.length;
    while (start < end && isOws(piece.charAt(start))) start++;
    while (end > start && isOws(piece.charAt(end - 1))) end--;
    if (start === end) continue;
    const member = piece.slice(start, end);
    const equals = member.indexOf("=");
    const key = member.slice(0, equals);
    const value = member.slice(equals + 1);
    if (equals < 0 || !isKey(key) || !isValue(value)) return undefined;
    members.push([key, value]);
  }
  return members;
}

/**
 * A `tracestate` as a vendor may send it: a `list` of 1 to 32 `key "=" value` members
 * without optional whitespace or empty members ("SHOULD avoid sending them"), no key
 * twice ("Adding a key/value pair MUST NOT result in the same key being present
 * multiple times").
 */
export function isOutgoingTracestate(value: string): boolean {
  const pieces = value.split(",");
  const members = tracestateMembers(value);
  if (members === undefined || members.length !== pieces.length || pieces.length > 32) {
    return false;
  }
  const exact = members.every(([key, memberValue], i) => pieces[i] === `${key}=${memberValue}`);
  return exact && new Set(members.map(([key]) => key)).size === members.length;
}
