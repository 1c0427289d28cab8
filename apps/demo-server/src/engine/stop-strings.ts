/**
 * Where the earliest stop string starts in `text`, or -1. Only matches that end past
 * `checkedUpTo` are looked for: the text before it was checked when it was generated.
 */
export function findStopString(
  text: string,
  stops: readonly string[],
  checkedUpTo: number,
): number {
  let earliest = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop, Math.max(0, checkedUpTo - stop.length + 1));
    if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
  }
  return earliest;
}

/**
 * Characters of generated text held back while streaming: a stop string may be only
 * partly generated, and text sent to the client can never be taken back.
 */
export function stopHoldback(stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) longest = Math.max(longest, stop.length);
  return Math.max(0, longest - 1);
}
