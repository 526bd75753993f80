import { formatDuration } from "../inspect/formatDuration.js";
import { formatInstant } from "../inspect/formatInstant.js";

/**
 * An instant for a table cell: ISO 8601 UTC and, with `now`, how far away it is
 * ("2026-01-05T00:11:00Z (in 30 s)", "... (5 min ago)"). `-` for none. With
 * `{ seconds: true }` the milliseconds are dropped.
 *
 * @example
 * ```ts
 * when(new Date(Date.now() + 30_000), Date.now()); // "...Z (in 30 s)"
 * ```
 */
export function when(
  at: Date | undefined,
  now?: number,
  options: { readonly seconds?: boolean } = {},
): string {
  if (at === undefined) return "-";
  // Whole seconds where a table is already wide and milliseconds tell a person nothing.
  const text = formatInstant(options.seconds ? Math.floor(at.getTime() / 1000) * 1000 : at);
  if (now === undefined) return text;
  const delta = at.getTime() - now;
  if (Math.abs(delta) < 1000) return `${text} (now)`;
  return delta > 0
    ? `${text} (in ${formatDuration(delta)})`
    : `${text} (${formatDuration(-delta)} ago)`;
}
