/**
 * What a node function receives as its second argument, and the small view of a
 * namespace it may use. Declared here (not in `namespace/`) so that `dag/` and `run/`
 * never import the namespace: dependencies point one way.
 */

import type { Effect } from "effect/Effect";

/**
 * The part of a `Namespace` a running node may use: look up another registered
 * callable and call it.
 *
 * @example
 * ```ts
 * const helper = ctx.namespace?.get("market:fetch");
 * const prices = await helper?.call();
 * ```
 */
export interface NamespaceLike {
  get(nsref: string): { readonly nsref: string; call(input?: unknown): Promise<unknown> };
}

/**
 * The context a node function is called with: `fn(input, ctx)`.
 *
 * @example
 * ```ts
 * dag.node(async (x: number, ctx: NodeContext) => {
 *   if (ctx.attempt > 1) console.log(`retry ${ctx.attempt} of ${ctx.nodeLabel}`);
 *   return fetch(url, { signal: ctx.signal });
 * });
 * ```
 */
export interface NodeContext {
  /** The run this call belongs to. */
  readonly runId: string;
  /** The node's label in its DAG. */
  readonly nodeLabel: string;
  /** The nsref the DAG was registered or run under, if any. */
  readonly dagNsref: string | undefined;
  /** 1 for the first try; raised by retries and by a resume after a crash. */
  readonly attempt: number;
  /** Fires when the run is interrupted, the node times out, or another node fails. */
  readonly signal: AbortSignal;
  /** The namespace the DAG runs in, when it was run through one. */
  readonly namespace: NamespaceLike | undefined;
  /** Ask the run to pause once the nodes in flight finish (resume it with `restart`). */
  pause(): void;
}

/**
 * A node's function: sync, async, or returning an `Effect` (run in the node's fiber; its
 * success is the node's output, its typed failure the `cause` of `NodeFailed`), called
 * with its wired input and the context.
 *
 * @example
 * ```ts
 * const double: NodeFn<number, number> = (x) => x * 2;
 * const fetchQuote = (symbol: string) => Effect.tryPromise(() => quote(symbol)); // an Effect node
 * ```
 */
export type NodeFn<I, O> = (input: I, ctx: NodeContext) => O | PromiseLike<O>;

/**
 * The output a node gives downstream for a function returning `R`: a Promise's value, an
 * `Effect`'s success value, or `R` itself.
 *
 * @example
 * ```ts
 * type A = NodeOutput<Promise<number>>; // number
 * type B = NodeOutput<Effect.Effect<string, MyError>>; // string
 * ```
 */
export type NodeOutput<R> = Awaited<R> extends Effect<infer A, any, any> ? A : Awaited<R>;
