import { Dag } from "../dag/Dag.js";
import type { Namespace } from "./Namespace.js";
import type { NamespaceNode } from "./NamespaceNode.js";

/**
 * One DAG per registered function, made once: a restart or a replay of a function's run
 * compares the DAG's fingerprint with the recorded one, so the same node must give the
 * same one-node DAG every time.
 */
const singles = new WeakMap<NamespaceNode<any, any, any>, Dag>();

/**
 * The DAG an nsref runs: the registered DAG, or — for a registered function — a one-node
 * DAG whose node is labelled after the function (the leaf of its nsref: `market:fetch`
 * runs as node `fetch`). What a trigger fires and what `tickflow exec` runs. Throws
 * `InvalidNsref` or `NsrefNotFound` (with the nearest names).
 *
 * @example
 * ```ts
 * const dag = dagOfNsref(namespace, "market:fetch"); // one node, "fetch"
 * ```
 */
export function dagOfNsref(namespace: Namespace, nsref: string): Dag {
  const node = namespace.get(nsref);
  if (node.spec.kind === "dag") return node.spec.dag as Dag;
  let single = singles.get(node);
  if (single === undefined) {
    single = new Dag();
    single.node(node);
    singles.set(node, single);
  }
  return single;
}
