import { Dag } from "../dag/Dag.js";
import { InvalidDagFactory } from "../dag/errors.js";
import type { CacheOptions } from "../dag/NodeCachePolicy.js";
import type { NamespaceLike, NodeFn, NodeOutput } from "../dag/NodeContext.js";
import type { NodeOptions } from "../dag/NodeOptions.js";
import type { DagRunResult } from "../run/DagRunner.js";
import { cachePolicyOf } from "./cachePolicyOf.js";
import { DuplicateNsref, DuplicateTrigger, NsrefNotFound, TriggerNotFound } from "./errors.js";
import { NamespaceNode } from "./NamespaceNode.js";
import { nearest } from "./nearest.js";
import { parseNsref } from "./nsref.js";
import { defineTrigger, type TriggerDefinition, type TriggerSpec } from "./TriggerDefinition.js";
import { compileTagQuery } from "./tagQuery.js";

/**
 * Options of `ns.register(...)`.
 *
 * @example
 * ```ts
 * ns.register(fetchPrices, { nsref: "market:fetch", tags: ["market", "io"], timeout: 5_000 });
 * ns.register(geocode, { nsref: "geo:lookup", cache: { ttl: "1h" } });
 * ```
 */
export interface RegisterOptions extends NodeOptions {
  readonly nsref: string;
  readonly tags?: readonly string[];
  /**
   * Reuse the function's output for an equal input within `ttl` (runs recorded in a run
   * history only; a hit is recorded as `cached` with the run it came from).
   */
  readonly cache?: CacheOptions;
}

/**
 * A registry of callables (functions and DAGs) by nsref, queried by tag; the place
 * triggers look DAGs up.
 *
 * @example
 * ```ts
 * const ns = new Namespace();
 * ns.register(fetchPrices, { nsref: "market:fetch" });
 * ns.register(summarize, { nsref: "market:summarize" });
 * const dag = new Dag();
 * dag.node(ns.get("market:fetch")).to(dag.node(ns.get("market:summarize")));
 * ns.register(dag, { nsref: "pipelines:market_summary" });
 * ```
 */
export class Namespace implements NamespaceLike {
  readonly #nodes = new Map<string, NamespaceNode<any, any, any>>();
  readonly #triggers = new Map<string, TriggerDefinition>();

  /**
   * Registers a function or a DAG under an nsref. Throws `InvalidNsref`,
   * `DuplicateNsref`, `InvalidCacheOptions`, or (for a DAG) what `dag.validate()` finds.
   *
   * @example
   * ```ts
   * const fetch = ns.register(async () => ({ AAPL: 185 }), { nsref: "market:fetch" });
   * ```
   */
  register<I, O>(fn: NodeFn<I, O>, options: RegisterOptions): NamespaceNode<I, NodeOutput<O>>;
  register(dag: Dag, options: RegisterOptions): NamespaceNode<unknown, unknown, DagRunResult>;
  register(target: NodeFn<unknown, unknown> | Dag, options: RegisterOptions) {
    const { nsref, tags = [], cache, ...nodeOptions } = options;
    parseNsref(nsref);
    if (this.#nodes.has(nsref)) throw new DuplicateNsref({ nsref });
    const policy = cachePolicyOf(nsref, cache, target);
    if (target instanceof Dag) target.validate();
    const node = new NamespaceNode<any, any, any>(
      nsref,
      target instanceof Dag
        ? { kind: "dag", dag: target, nsref, options: nodeOptions }
        : {
            kind: "function",
            fn: target,
            nsref,
            options: nodeOptions,
            ...(policy === undefined ? {} : { cache: policy }),
          },
      new Set(tags),
      this,
    );
    this.#nodes.set(nsref, node);
    return node;
  }

  /**
   * Registers the DAG a factory builds, under an nsref. The factory runs once, now (it
   * gets this namespace, to look up the nodes it wires); the nsref is checked before it
   * runs. Throws what `register` throws, `InvalidDagFactory` when the factory returns
   * something other than a `Dag`, or what the factory throws.
   *
   * @example
   * ```ts
   * ns.registerFactory(
   *   (ns) => {
   *     const dag = new Dag<{ symbol: string }, number>();
   *     dag.node(ns.get("market:fetch")).to(dag.node(ns.get("market:summarize")));
   *     return dag;
   *   },
   *   { nsref: "pipelines:market_summary" },
   * );
   * ```
   */
  registerFactory<I, O>(
    factory: (namespace: Namespace) => Dag<I, O>,
    options: RegisterOptions,
  ): NamespaceNode<I, O, DagRunResult> {
    // Checked first, so a factory is not run for a registration that cannot succeed.
    parseNsref(options.nsref);
    if (this.#nodes.has(options.nsref)) throw new DuplicateNsref({ nsref: options.nsref });
    const dag: unknown = factory(this);
    if (!(dag instanceof Dag)) {
      const received = dag === null ? "null" : Array.isArray(dag) ? "an array" : typeof dag;
      throw new InvalidDagFactory({ nsref: options.nsref, received });
    }
    return this.register(dag, options) as NamespaceNode<I, O, DagRunResult>;
  }

  /**
   * The node registered under `nsref`. Throws `InvalidNsref`, or `NsrefNotFound`
   * naming the nearest registered nsrefs.
   *
   * @example
   * ```ts
   * const node = ns.get("market:fetch");
   * ```
   */
  get(nsref: string): NamespaceNode<any, any, any> {
    const node = this.#nodes.get(nsref);
    if (node) return node;
    parseNsref(nsref);
    throw new NsrefNotFound({ nsref, nearest: nearest(nsref, this.#nodes.keys()) });
  }

  /** Whether something is registered under `nsref`. */
  has(nsref: string): boolean {
    return this.#nodes.has(nsref);
  }

  /**
   * Every registered node, sorted by nsref.
   *
   * @example
   * ```ts
   * ns.list().map((n) => n.nsref); // ["market:fetch", "market:summarize", ...]
   * ```
   */
  list(): readonly NamespaceNode<any, any, any>[] {
    return [...this.#nodes.values()].sort((a, b) => a.nsref.localeCompare(b.nsref));
  }

  /**
   * The nodes whose tags satisfy a tag expression (`&`, `|`, `~`, parentheses),
   * sorted by nsref. Throws `InvalidTagQuery`.
   *
   * @example
   * ```ts
   * ns.query("market & ~slow");
   * ```
   */
  query(expression: string): readonly NamespaceNode<any, any, any>[] {
    const matches = compileTagQuery(expression);
    return this.list().filter((node) => matches(node.tags));
  }

  /**
   * Stores a trigger definition. Declarative: nothing starts until a `TriggerManager`
   * activates it. Throws `DuplicateTrigger`, `ScheduleRequired`, `ScheduleNotAllowed`,
   * `InvalidSchedule` (quoting the expression and the bad field), `InvalidTimezone`.
   *
   * @example
   * ```ts
   * ns.registerTrigger({
   *   name: "queue_check",
   *   dagNsref: "pipelines:process_order",
   *   triggerType: "poll",
   *   schedule: "*\/10 * * * * *",
   *   pollFn: () => (queue.length > 0 ? { message: queue.shift() } : null),
   * });
   * ```
   */
  registerTrigger(spec: TriggerSpec): TriggerDefinition {
    if (this.#triggers.has(spec.name)) throw new DuplicateTrigger({ name: spec.name });
    const definition = defineTrigger(spec);
    this.#triggers.set(definition.name, definition);
    return definition;
  }

  /**
   * The trigger definition with this name; throws `TriggerNotFound`.
   *
   * @example
   * ```ts
   * ns.getTrigger("hourly_market").schedule?.expression; // "0 * * * *"
   * ```
   */
  getTrigger(name: string): TriggerDefinition {
    const definition = this.#triggers.get(name);
    if (definition) return definition;
    throw new TriggerNotFound({ name, nearest: nearest(name, this.#triggers.keys()) });
  }

  /** Whether a trigger with this name is defined. */
  hasTrigger(name: string): boolean {
    return this.#triggers.has(name);
  }

  /**
   * Every trigger definition, sorted by name.
   *
   * @example
   * ```ts
   * ns.listTriggers().map((t) => t.name);
   * ```
   */
  listTriggers(): readonly TriggerDefinition[] {
    return [...this.#triggers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
