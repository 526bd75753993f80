/**
 * The types of composite nodes (map, switch, map-switch): their options, and how their
 * input and output types follow from the sub-DAGs they run. Type-only: no code here.
 */
import type { Dag, DagNodeOptions, NodeSource } from "./Dag.js";
import type { NodeFn, NodeOutput } from "./NodeContext.js";
import type { SwitchNode } from "./SwitchNode.js";

/**
 * A switch branch: a `Dag`, a function, or a namespace node (a registered function or
 * DAG). A function branch runs as a one-node sub-DAG, so it is recorded like the others.
 *
 * @example
 * ```ts
 * const branches = { small: (n: number) => n, large: bigNumbersDag } satisfies Record<string, Branch>;
 * ```
 */
export type Branch = Dag<any, any> | NodeFn<any, any> | NodeSource<any, any>;

/**
 * The input a branch (or a mapped sub-DAG) takes.
 *
 * @example
 * ```ts
 * type In = BranchInput<Dag<string, number>>; // string
 * ```
 */
export type BranchInput<B> =
  B extends Dag<infer I, any>
    ? I
    : B extends NodeSource<infer I, any>
      ? I
      : B extends (input: infer I, ...rest: any[]) => any
        ? I
        : never;

/**
 * The output a branch (or a mapped sub-DAG) produces; an async function's is unwrapped.
 *
 * @example
 * ```ts
 * type Out = BranchOutput<(s: string) => Promise<number>>; // number
 * ```
 */
export type BranchOutput<B> =
  B extends Dag<any, infer O>
    ? O
    : B extends NodeSource<any, infer O>
      ? O
      : B extends (...args: any[]) => infer R
        ? NodeOutput<R>
        : never;

/**
 * What a switch's upstream returns for one branch `K`: the tuple `[K, data]`, or the
 * data object with `__switch__: K` (the key is removed before the branch sees it).
 *
 * @example
 * ```ts
 * type V = Routed<"big", { n: number }>; // readonly ["big", { n: number }] | { __switch__: "big"; n: number }
 * ```
 */
export type Routed<K extends string, D> =
  | readonly [K, D]
  | ({ readonly __switch__: K } & (D extends object ? D : unknown));

/**
 * The input of a switch over named branches: any branch's routed value.
 *
 * @example
 * ```ts
 * type In = SwitchInput<{ big: Dag<{ n: number }, string> }>; // Routed<"big", { n: number }>
 * ```
 */
export type SwitchInput<B> = B extends readonly unknown[]
  ? Routed<string, BranchInput<B[number]>>
  : { [K in keyof B & string]: Routed<K, BranchInput<B[K]>> }[keyof B & string];

/**
 * The output of a switch: the output of whichever branch ran.
 *
 * @example
 * ```ts
 * type Out = SwitchOutput<{ a: Dag<any, number>; b: Dag<any, string> }>; // number | string
 * ```
 */
export type SwitchOutput<B> = B extends readonly unknown[]
  ? BranchOutput<B[number]>
  : { [K in keyof B & string]: BranchOutput<B[K]> }[keyof B & string];

/**
 * One element's contribution to a map's array result: an array is spread into it
 * (flat-map), anything else is one element.
 *
 * @example
 * ```ts
 * type E = FlatMapped<string[] | number>; // string | number
 * ```
 */
export type FlatMapped<O> = O extends readonly (infer E)[] ? E : O;

/**
 * What `dag.map(...)` runs per element: a `Dag` (declare its types with
 * `new Dag<In, Out>()`), a DAG registered in a namespace, or a `dag.switch(...)` node.
 *
 * @example
 * ```ts
 * const target: MapTarget<string, number> = new Dag<string, number>();
 * ```
 */
export type MapTarget<I, O> = Dag<I, O> | NodeSource<I, O> | SwitchNode<I, O>;

/**
 * Options of `dag.map(...)`: the node's label, how many elements run at once, and
 * `keyed: true` to type the node for an object input (results keyed like it). At run
 * time an array gives an array and an object gives an object either way.
 *
 * @example
 * ```ts
 * dag.map(countWords, { label: "count", concurrency: 4 });
 * dag.map(perRegion, { label: "regions", keyed: true }); // { eu: …, us: … } → { eu: …, us: … }
 * ```
 */
export interface MapOptions extends DagNodeOptions {
  /** Most elements running at once (a positive integer; default: no limit). */
  readonly concurrency?: number;
  /** Type the node for an object input, results keyed like it (default: an array). */
  readonly keyed?: boolean;
}
