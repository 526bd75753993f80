/**
 * A duration as a person reads it: "850 ms", "30 s", "5 min", "2 h 5 min", "3 d 4 h".
 *
 * @example
 * ```ts
 * formatDuration(90_000); // "1 min 30 s"
 * ```
 */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  const units: readonly [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1000],
  ];
  const parts: string[] = [];
  let rest = Math.round(abs / 1000) * 1000;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return `${ms < 0 ? "-" : ""}${parts.join(" ")}`;
}
