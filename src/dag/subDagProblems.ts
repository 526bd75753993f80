import type { Dag } from "./Dag.js";
import type { NodeSpec, SubDagRef } from "./DagNode.js";
import { type DagInvalid, InvalidSubDag } from "./errors.js";

/**
 * A sub-DAG a composite node runs, with the branch it belongs to and whether it runs
 * per element (then it needs one source to take the element and one sink to give the
 * element's result).
 */
interface SubDagUse {
  readonly ref: SubDagRef;
  readonly branch: string | undefined;
  readonly mapped: boolean;
}

/**
 * The sub-DAGs a node runs: none for a function node.
 *
 * @example
 * ```ts
 * subDagsOf(dag.map(chunkDag, { label: "each" }).spec); // [{ ref, branch: undefined, mapped: true }]
 * ```
 */
export function subDagsOf(spec: NodeSpec): readonly SubDagUse[] {
  switch (spec.kind) {
    case "function":
      return [];
    case "dag":
      return [{ ref: { dag: spec.dag, nsref: spec.nsref }, branch: undefined, mapped: false }];
    case "switch":
      return [...spec.branches].map(([branch, ref]) => ({ ref, branch, mapped: false }));
    case "map":
      return spec.over.kind === "dag"
        ? [{ ref: spec.over.ref, branch: undefined, mapped: true }]
        : [...spec.over.branches].map(([branch, ref]) => ({ ref, branch, mapped: true }));
  }
}

/**
 * Why a DAG cannot run once per element, or `undefined`: it needs exactly one source
 * and exactly one sink. The reason names the nodes at fault.
 *
 * @example
 * ```ts
 * mappedShapeProblem(twoSources); // "has 2 sources (a, b); a mapped sub-DAG needs exactly one"
 * ```
 */
export function mappedShapeProblem(dag: Dag<any, any>): string | undefined {
  if (dag.nodes.length === 0) return "has no nodes; a mapped sub-DAG needs one source and one sink";
  const sources = dag.sources().map((node) => node.label);
  if (sources.length !== 1)
    return `has ${sources.length} sources (${sources.join(", ")}); a mapped sub-DAG needs exactly one, which receives the element`;
  const sinks = dag.sinks().map((node) => node.label);
  if (sinks.length !== 1)
    return `has ${sinks.length} sinks (${sinks.join(", ")}); a mapped sub-DAG needs exactly one, whose output is the element's result`;
  return undefined;
}

/**
 * The first problem among the sub-DAGs of `dag`'s composite nodes, as `InvalidSubDag`:
 * a sub-DAG that contains one of the DAGs running it (`chain`, outermost first), a
 * sub-DAG that is invalid itself (`checkSub` checks it, recursing with the longer chain),
 * or a mapped sub-DAG without exactly one source and one sink.
 *
 * @example
 * ```ts
 * subDagProblem(dag, [dag], (sub, chain) => sub.check());
 * ```
 */
export function subDagProblem(
  dag: Dag<any, any>,
  chain: readonly object[],
  checkSub: (sub: Dag<any, any>, chain: readonly object[]) => DagInvalid | undefined,
): InvalidSubDag | undefined {
  for (const node of dag.nodes) {
    for (const { ref, branch, mapped } of subDagsOf(node.spec)) {
      const problem = (reason: string) =>
        new InvalidSubDag({ nodeLabel: node.label, branch, reason });
      // A DAG that runs itself would recurse until the stack (or the disk) runs out.
      if (chain.includes(ref.dag)) return problem("contains the DAG that runs it");
      const sub = ref.dag as Dag<any, any>;
      const inner = checkSub(sub, [...chain, sub]);
      if (inner !== undefined) return problem(`is invalid: ${inner.message}`);
      const shape = mapped ? mappedShapeProblem(sub) : undefined;
      if (shape !== undefined) return problem(shape);
    }
  }
  return undefined;
}
