import { Dag } from "../dag/Dag.js";
import type { NodeSpec } from "../dag/DagNode.js";
import type { NamespaceLike } from "../dag/NodeContext.js";
import { DagRunner, type DagRunResult, type ProvenanceProvider } from "../run/DagRunner.js";

/**
 * Options of `node.call(...)`.
 *
 * @example
 * ```ts
 * await ns.get("pipelines:daily").call(payload, { provenance, runId });
 * ```
 */
export interface CallOptions {
  /** Where a DAG's run is recorded (default: no history). */
  readonly provenance?: ProvenanceProvider;
  /** Chosen up front by callers that record it first (triggers). */
  readonly runId?: string;
  /** Aborting it interrupts the call. */
  readonly signal?: AbortSignal;
}

/**
 * A callable registered in a `Namespace`: a function or a DAG, found by its nsref.
 * `call()` runs it: a function resolves to its output (its schemas, timeout and retry
 * apply); a DAG resolves to its `DagRunResult`.
 *
 * @example
 * ```ts
 * const fetch = ns.get("market:fetch");
 * const prices = await fetch.call();
 * const run = await ns.get("pipelines:market_summary").call({});
 * ```
 */
export class NamespaceNode<in I, out O, out R = O> {
  /** @internal Phantom fields carrying the types. */
  declare readonly _types?: { readonly in: (input: I) => void; readonly out: () => O };
  declare readonly _result?: () => R;

  constructor(
    readonly nsref: string,
    readonly spec: NodeSpec,
    readonly tags: ReadonlySet<string>,
    readonly namespace: NamespaceLike,
  ) {}

  /** `"function"` or `"dag"`. */
  get kind(): NodeSpec["kind"] {
    return this.spec.kind;
  }

  /**
   * Calls the function, or runs the DAG.
   *
   * @example
   * ```ts
   * const summary = await ns.get("market:summarize").call({ AAPL: 185 });
   * ```
   */
  async call(input?: I, options: CallOptions = {}): Promise<R> {
    const runOptions = {
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    if (this.spec.kind === "dag") {
      const dag = this.spec.dag as Dag;
      const runner = new DagRunner(dag, {
        dagNsref: this.nsref,
        namespace: this.namespace,
        ...(options.provenance ? { provenance: options.provenance } : {}),
      });
      return (await runner.run(input, runOptions)) as R;
    }
    // A function call goes through a one-node DAG so that its schemas, timeout and retry
    // behave exactly as they do inside a DAG.
    const single = new Dag();
    const node = single.node(this);
    const result: DagRunResult = await new DagRunner(single, { namespace: this.namespace }).run(
      input,
      runOptions,
    );
    if (result.status !== "completed") throw result.error ?? new Error(`call ${result.status}`);
    return result.outputs[node.label] as R;
  }
}
