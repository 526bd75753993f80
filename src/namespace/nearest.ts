/**
 * The candidates closest to `target` by edit distance (at most `limit`, and only
 * those within a third of the target's length, at least 2 edits), best first.
 *
 * @example
 * ```ts
 * nearest("market:fetc", ["market:fetch", "ops:cleanup"]); // ["market:fetch"]
 * ```
 */
export function nearest(target: string, candidates: Iterable<string>, limit = 3): string[] {
  const bound = Math.max(2, Math.floor(target.length / 3));
  return [...candidates]
    .map((candidate) => ({ candidate, distance: editDistance(target, candidate) }))
    .filter(({ distance }) => distance <= bound)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
