/**
 * An instant as explanations write it: ISO 8601 UTC, without milliseconds when they
 * are zero ("2026-01-05T03:00:00Z").
 *
 * @example
 * ```ts
 * formatInstant(new Date(Date.UTC(2026, 0, 5, 3))); // "2026-01-05T03:00:00Z"
 * ```
 */
export function formatInstant(at: Date | number): string {
  return new Date(at).toISOString().replace(".000Z", "Z");
}
