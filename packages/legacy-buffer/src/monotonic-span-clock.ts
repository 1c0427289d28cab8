import { monotonicSeconds } from "@llm-journey/tracer-core";
import { spanTime, wallClockAnchor } from "@llm-journey/tracer-core/internal";
import type { HrTime } from "@opentelemetry/api";

/**
 * Converts readings of the monotonic clock into span times, as the core and API layers
 * time their own spans (`spanTime`): one anchor (the wall clock and the monotonic clock
 * read together) per span, so every time on a span moves by the same offset and the
 * intervals between its events are exactly the monotonic ones.
 */
export function monotonicSpanClock(): (monotonic: number) => HrTime {
  const start = monotonicSeconds();
  const anchor = wallClockAnchor();
  return (monotonic) => spanTime(anchor, start, monotonic);
}
