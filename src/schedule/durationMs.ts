const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A duration written as text ("500ms", "30s", "2m", "1h", "30d"; a bare number is
 * seconds) in milliseconds, or `undefined` when the text is not a duration. Callers turn
 * `undefined` into their own typed error (an option, a setting).
 *
 * @example
 * ```ts
 * durationMs("30d"); // 2_592_000_000
 * durationMs("soon"); // undefined
 * ```
 */
export function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (UNITS[match[2] ?? "s"] as number);
}
