import { createHash } from "node:crypto";
import type { Dag } from "./Dag.js";

/**
 * A short hash of a DAG's shape: its labels, what each runs (nsref or kind), and its
 * edges. A restart or replay against a DAG with another fingerprint is refused
 * unless allowed, because stored outputs may no longer fit.
 *
 * @example
 * ```ts
 * fingerprint(dag); // "3f1c9a0b2e4d5f67"
 * ```
 */
export function fingerprint(dag: Dag): string {
  return createHash("sha256")
    .update(JSON.stringify(shapeOf(dag)))
    .digest("hex")
    .slice(0, 16);
}

/**
 * The parts of a DAG's shape that the fingerprint covers, in a comparable form.
 *
 * @example
 * ```ts
 * shapeOf(dag).nodes; // ["fetch=market:fetch", "summarize=function"]
 * ```
 */
export function shapeOf(dag: Dag): { nodes: string[]; edges: string[] } {
  return {
    nodes: dag.nodes.map((node) => `${node.label}=${node.spec.nsref ?? node.spec.kind}`),
    edges: dag.edges.map((edge) => `${edge.from}->${edge.to}${edge.as ? `:${edge.as}` : ""}`),
  };
}
