/**
 * A directed edge between two labels; `as` is the key a fan-in node receives it under.
 *
 * @example
 * ```ts
 * const edge: DagEdge = { from: "fetch", to: "summarize", as: undefined };
 * ```
 */
export interface DagEdge {
  readonly from: string;
  readonly to: string;
  readonly as: string | undefined;
}

/**
 * Orders `labels` so that every edge goes forward; ties are broken by the order of
 * `labels` (insertion order), so the result is stable from run to run. Returns the
 * cycle instead (first label repeated last) when there is one.
 *
 * @example
 * ```ts
 * topologicalOrder(["a", "b", "c"], [{ from: "a", to: "c", as: undefined }]);
 * // { order: ["a", "b", "c"] }
 * ```
 */
export function topologicalOrder(
  labels: readonly string[],
  edges: readonly DagEdge[],
): { readonly order: readonly string[] } | { readonly cycle: readonly string[] } {
  const index = new Map(labels.map((label, i) => [label, i]));
  const indegree = new Map(labels.map((label) => [label, 0]));
  const next = new Map<string, string[]>(labels.map((label) => [label, []]));
  for (const edge of edges) {
    indegree.set(edge.to, (indegree.get(edge.to) ?? 0) + 1);
    next.get(edge.from)?.push(edge.to);
  }
  // Ready labels kept sorted by insertion index: DAGs are small, a sorted array is enough.
  const ready = labels.filter((label) => indegree.get(label) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const label = ready.shift() as string;
    order.push(label);
    for (const to of next.get(label) ?? []) {
      const left = (indegree.get(to) ?? 0) - 1;
      indegree.set(to, left);
      if (left === 0) {
        const at = ready.findIndex((r) => (index.get(r) ?? 0) > (index.get(to) ?? 0));
        ready.splice(at === -1 ? ready.length : at, 0, to);
      }
    }
  }
  if (order.length === labels.length) return { order };
  return { cycle: findCycle(labels, next) };
}

function findCycle(labels: readonly string[], next: ReadonlyMap<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (label: string): string[] | undefined => {
    state.set(label, "open");
    stack.push(label);
    for (const to of next.get(label) ?? []) {
      if (state.get(to) === "open") return [...stack.slice(stack.indexOf(to)), to];
      if (state.get(to) === undefined) {
        const found = visit(to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(label, "done");
    return undefined;
  };
  for (const label of labels) {
    if (state.get(label) === undefined) {
      const found = visit(label);
      if (found) return found;
    }
  }
  return [];
}
