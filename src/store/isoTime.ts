/** The last instant converted, and its text: the writes of one step share their `now`. */
let lastMs = Number.NaN;
let lastText = "";

/**
 * An instant (epoch ms) as the ISO-8601 UTC text the stores keep (`toISOString()`). The
 * last answer is kept: a fire's writes stamp the same instant a dozen times (its ledger
 * row, journal row, run, node starts), and each conversion allocates a `Date`.
 *
 * @example
 * ```ts
 * isoTime(0); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastText;
}
