import { monotonicSeconds } from "@llm-journey/tracer-core";
import type { HrTime } from "@opentelemetry/api";

const NANOS_PER_SECOND = 1_000_000_000;

/**
 * Converts readings of the monotonic clock into span times. One anchor (the wall clock
 * and the monotonic clock read together) is taken per span, so every time on a span
 * moves by the same offset and the intervals between its events are exactly the
 * monotonic ones; the absolute position is as good as `Date.now()`, which is also what
 * the OpenTelemetry SDK anchors its own spans on.
 */
export function monotonicSpanClock(): (monotonic: number) => HrTime {
  const anchorMonotonic = monotonicSeconds();
  const anchorMillis = Date.now();
  const anchorSeconds = Math.floor(anchorMillis / 1000);
  const anchorNanos = (anchorMillis - anchorSeconds * 1000) * 1_000_000;
  return (monotonic) => {
    // Integer seconds and nanoseconds kept apart: epoch nanoseconds overflow a double.
    const nanos = anchorNanos + Math.round((monotonic - anchorMonotonic) * NANOS_PER_SECOND);
    const carry = Math.floor(nanos / NANOS_PER_SECOND);
    return [anchorSeconds + carry, nanos - carry * NANOS_PER_SECOND];
  };
}
