import { DEFAULT_MAX_EVENTS_PER_SPAN } from "@llm-journey/tracer-core";

/**
 * Validates `maxEventsPerSpan` the way tracer-core does, so both streams keep the same
 * events of a long journey: the first `max - 1` and `journey.FINISHED`.
 */
export function resolveEventBudget(max: number | undefined): number {
  const budget = max ?? DEFAULT_MAX_EVENTS_PER_SPAN;
  if (!Number.isInteger(budget) || budget < 2) {
    throw new RangeError(`maxEventsPerSpan must be an integer >= 2, got ${String(budget)}`);
  }
  return budget;
}
