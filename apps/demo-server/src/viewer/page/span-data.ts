/**
 * Reading `/debug/journeys` and `/debug/steps` defensively: any field may be missing or of
 * the wrong type, and times are decimal strings of nanoseconds.
 */

export function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
export function attrsOf(holder) {
  return holder && isObject(holder.attributes) ? holder.attributes : {};
}
export function numAttr(holder, key) {
  const value = attrsOf(holder)[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
export function strAttr(holder, key) {
  const value = attrsOf(holder)[key];
  return typeof value === "string" ? value : null;
}

// Unix nanoseconds exceed 2^53: keep them as BigInt and subtract a base before converting.
export function toNs(value) {
  if (typeof value === "string" && /^\d{1,30}$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return null;
}
export function msSince(base, ns) {
  return Number(ns - base) / 1e6;
}

export function spansOf(journey) {
  return isObject(journey) && Array.isArray(journey.spans) ? journey.spans.filter(isObject) : [];
}
export function eventsOf(span) {
  return span && Array.isArray(span.events)
    ? span.events.filter((event) => isObject(event) && typeof event.name === "string")
    : [];
}
export function findSpan(spans, name, scope) {
  return (
    spans.find((s) => s.name === name && s.scope === scope) ||
    spans.find((s) => s.name === name) ||
    null
  );
}
export function findEvent(span, name) {
  return eventsOf(span).find((event) => event.name === name) || null;
}
export function isErrorStatus(span) {
  return !!span && isObject(span.status) && span.status.code === "ERROR";
}
export function shortName(name) {
  const dot = name.indexOf(".");
  return dot >= 0 ? name.slice(dot + 1) : name;
}

export function formatValue(value) {
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (isObject(value)) return JSON.stringify(value);
  return String(value);
}
export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const abs = Math.abs(ms);
  if (abs < 10) return ms.toFixed(2);
  if (abs < 1000) return ms.toFixed(1);
  return Math.round(ms).toLocaleString("en-US");
}
export function formatClock(ns) {
  if (ns === null) return "—";
  const date = new Date(Number(ns / 1000000n));
  const pad = (n, width) => String(n).padStart(width, "0");
  return `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)}.${pad(date.getMilliseconds(), 3)}`;
}

/** What the list shows for one journey. */

/** What a failed fetch says, for the page. */
export function messageOf(error: unknown): string {
  return (error as Error)?.message || String(error);
}
