const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A duration written as a number and a unit (`"500ms"`, `"90s"`, `"30m"`, `"2h"`,
 * `"1d"`) in milliseconds, or `undefined` when the text is not one. One grammar for
 * every duration a person writes (CLI options, a cached node's TTL).
 *
 * @example
 * ```ts
 * parseDuration("1h"); // 3_600_000
 * parseDuration("abc"); // undefined
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
