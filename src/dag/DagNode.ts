import type { NodeCachePolicy } from "./NodeCachePolicy.js";
import type { NodeFn } from "./NodeContext.js";
import type { NodeOptions } from "./NodeOptions.js";

/**
 * A sub-DAG that a composite node runs, with the nsref it was registered under (the
 * child run records it). Typed loosely (`object`) so that this file does not import `Dag`.
 *
 * @example
 * ```ts
 * const ref: SubDagRef = { dag: enrichDag, nsref: "pipelines:enrich" };
 * ```
 */
export interface SubDagRef {
  readonly dag: object;
  readonly nsref: string | undefined;
}

/**
 * What a node runs: a function (possibly registered in a namespace under `nsref`), a
 * whole sub-DAG (a call node), a switch between sub-DAGs by label, or a map of a sub-DAG
 * or a switch over the elements of its input. Sub-DAGs are typed loosely here so that
 * this file does not import `Dag` (no cycle); the runner checks them.
 *
 * @example
 * ```ts
 * const spec: NodeSpec = { kind: "function", fn: (x: number) => x + 1, options: {} };
 * ```
 */
export type NodeSpec =
  | {
      readonly kind: "function";
      readonly fn: NodeFn<any, any>;
      readonly nsref?: string;
      readonly options: NodeOptions;
      /** Set by `ns.register(fn, { cache })`: outputs are reused for an equal input. */
      readonly cache?: NodeCachePolicy;
    }
  | {
      readonly kind: "dag";
      readonly dag: object;
      readonly nsref?: string;
      readonly options: NodeOptions;
    }
  | {
      readonly kind: "switch";
      /** Branch label → the sub-DAG it runs (a function branch is a one-node DAG). */
      readonly branches: ReadonlyMap<string, SubDagRef>;
      readonly nsref?: string;
      readonly options: NodeOptions;
    }
  | {
      readonly kind: "map";
      /** What runs per element: one sub-DAG, or a switch routing each element. */
      readonly over:
        | { readonly kind: "dag"; readonly ref: SubDagRef }
        | { readonly kind: "switch"; readonly branches: ReadonlyMap<string, SubDagRef> };
      /** Most elements running at once (`undefined`: no limit). */
      readonly concurrency: number | undefined;
      /** Typed for an object input (results keyed like it) rather than an array. */
      readonly keyed: boolean;
      readonly nsref?: string;
      readonly options: NodeOptions;
    };

/**
 * Options of an edge: `as` names the key under which this upstream's output reaches
 * a fan-in node (default: the upstream's label).
 *
 * @example
 * ```ts
 * fetch.to(report, { as: "prices" });
 * ```
 */
export interface EdgeOptions {
  readonly as?: string;
}

/**
 * The graph a node belongs to, as seen from the node: enough to add an edge.
 * `Dag` implements it.
 */
export interface DagGraph {
  addEdge(from: DagNode<any, any>, to: DagNode<any, any>, options: EdgeOptions): void;
}

/**
 * A node of a `Dag`: a label and what it runs. `I` is the input it accepts and `O`
 * the output it produces; `.to()` uses them so that the compiler rejects wiring an
 * output into a node that cannot take it.
 *
 * @example
 * ```ts
 * const dag = new Dag();
 * dag.node(fetchPrices).to(dag.node(summarize)).to(dag.node(publish));
 * ```
 */
export class DagNode<in I, out O> {
  /** @internal Phantom fields carrying the type parameters. */
  declare readonly _in: (input: I) => void;
  /** @internal */
  declare readonly _out: () => O;

  constructor(
    /** The graph that created this node. */
    readonly graph: DagGraph,
    /** Unique within its DAG. */
    readonly label: string,
    /** What the node runs. */
    readonly spec: NodeSpec,
  ) {}

  /**
   * Adds the edge `this → next` and returns `next`, so chains read left to right.
   * Without `as`, `next` must accept this node's output (checked by the compiler).
   * With `as` (fan-in), the output arrives under that key of `next`'s input object.
   *
   * @example
   * ```ts
   * a.to(b).to(c);          // chain
   * a.to(b); a.to(c);       // fan-out
   * b.to(d, { as: "left" }); c.to(d, { as: "right" }); // fan-in
   * ```
   */
  to<N extends DagNode<O, unknown>>(next: N): N;
  to<N extends DagNode<any, unknown>>(next: N, options: EdgeOptions): N;
  to<N extends DagNode<any, unknown>>(next: N, options: EdgeOptions = {}): N {
    this.graph.addEdge(this, next, options);
    return next;
  }
}
