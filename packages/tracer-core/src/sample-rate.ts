/**
 * Validates a sample rate given in configuration; a mistake here is a programming
 * error, so it throws at construction with a message that names the option.
 */
export function assertSampleRate(rate: unknown, optionName: string): asserts rate is number {
  if (typeof rate !== "number" || Number.isNaN(rate) || rate < 0 || rate > 1) {
    throw new RangeError(`${optionName} must be a number in [0, 1], got ${String(rate)}`);
  }
}

/** One sampling decision. Rates 0 and 1 draw no random number. */
export function decideSampled(rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return Math.random() < rate;
}
