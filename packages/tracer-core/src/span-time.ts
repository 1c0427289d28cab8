import type { HrTime } from "@opentelemetry/api";

const NANOS_PER_SECOND = 1_000_000_000;
/** The wall clock when this module loaded: anchors are kept relative to it. */
const WALL_CLOCK_BASE_MS = Date.now();

/**
 * The wall clock now, in milliseconds since this module loaded: a journey's anchor, read
 * beside its start on the monotonic clock. As a whole number under 2³¹ (24 days of
 * uptime) V8 keeps it in the journey's own field, with no box.
 */
export function wallClockAnchor(): number {
  return Date.now() - WALL_CLOCK_BASE_MS;
}

/**
 * The span time of the monotonic reading `at`, on a journey that started at monotonic
 * `start` when the wall clock said `anchor` (see `wallClockAnchor`): the wall clock at the
 * start, then monotonic time since, which is how the OpenTelemetry SDK times its own
 * spans. Handed to the SDK with the span's start, each event and its end, it spares the
 * SDK a clock reading of its own for each (a tenth of a traced journey's CPU), and the
 * interval between two events is exactly the interval between their `ts.monotonic`.
 */
export function spanTime(anchor: number, start: number, at: number): HrTime {
  // Whole seconds and nanoseconds apart: epoch nanoseconds overflow a double's precision.
  const millis = WALL_CLOCK_BASE_MS + anchor;
  const seconds = Math.floor(millis / 1000);
  const nanos = (millis - seconds * 1000) * 1_000_000 + Math.round((at - start) * NANOS_PER_SECOND);
  const carry = Math.floor(nanos / NANOS_PER_SECOND);
  return [seconds + carry, nanos - carry * NANOS_PER_SECOND];
}
