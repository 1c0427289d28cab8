import type { JourneyHandle } from "./journey-handle.js";
import { SpanJourneyHandle } from "./span-journey-handle.js";

/**
 * Runs the caller's end-of-request recording (usage, finish reasons) while the journey
 * is still open, just before `api.DEPARTED`. Only an open journey has anything to record
 * on, so the no-op handle never calls it. The response has already succeeded: a throw
 * from it goes to the tracer's `onError`, never to the request.
 */
export function recordBeforeDeparted<V>(
  handle: JourneyHandle,
  record: ((value: V) => void) | undefined,
  value: V,
): void {
  if (record === undefined || handle.closed) return;
  try {
    record(value);
  } catch (error) {
    if (handle instanceof SpanJourneyHandle) handle.reportError(error, "beforeDeparted");
  }
}
