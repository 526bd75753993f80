import type {
  Branch,
  FlatMapped,
  MapOptions,
  MapTarget,
  SwitchInput,
  SwitchOutput,
} from "./compositeTypes.js";
import {
  type DagGraph,
  DagNode,
  type EdgeOptions,
  type NodeSpec,
  type SubDagRef,
} from "./DagNode.js";
import { installedDagRun, type RunResultLike } from "./dagRunHook.js";
import {
  DagCycle,
  type DagInvalid,
  DagRunnerMissing,
  DuplicateLabel,
  EmptyDag,
  ForeignEdge,
  InvalidMapNode,
  InvalidNodeTarget,
  InvalidSubDag,
  SchemaMismatch,
} from "./errors.js";
import type { NodeFn, NodeOutput } from "./NodeContext.js";
import type { NodeOptions } from "./NodeOptions.js";
import { SwitchNode } from "./SwitchNode.js";
import { schemaMismatch } from "./schemaAssignable.js";
import { mappedShapeProblem, subDagProblem } from "./subDagProblems.js";
import { switchBranches } from "./switchBranches.js";
import { type DagEdge, topologicalOrder } from "./topologicalOrder.js";

/**
 * Something registered in a namespace that a DAG node can run: a `NamespaceNode`
 * satisfies it. Declared here so that `dag/` does not import `namespace/`.
 *
 * @example
 * ```ts
 * dag.node(ns.get("market:fetch")); // a NodeSource
 * ```
 */
export interface NodeSource<in I, out O> {
  readonly nsref: string;
  readonly spec: NodeSpec;
  /** @internal Phantom field carrying the types. */
  readonly _types?: { readonly in: (input: I) => void; readonly out: () => O };
}

/**
 * Options of `dag.node(...)`: a label (default: the nsref's leaf, or the function's
 * name) and per-node options that override the registered ones.
 *
 * @example
 * ```ts
 * dag.node(fetchPrices, { label: "fetch_eu", timeout: 2_000 });
 * ```
 */
export interface DagNodeOptions extends NodeOptions {
  readonly label?: string;
}

/**
 * A directed acyclic graph of nodes. Build it with `node()` and `.to()`, check it with
 * `validate()`, run it with a `DagRunner` (or `dag.run(input)` for a run without history).
 *
 * Input wiring (the default rule): a source node receives the run's input object; a
 * node with one upstream receives that upstream's output; a node with several
 * upstreams receives an object keyed by upstream label (or by the edge's `as` name).
 *
 * @example
 * ```ts
 * const dag = new Dag();
 * const fetch = dag.node(fetchPrices);
 * fetch.to(dag.node(summarize));
 * const result = await dag.run({});
 * ```
 */
export class Dag<in I = any, out O = unknown> implements DagGraph {
  /**
   * @internal Phantom field: the input its sources take and the output of its sink, as
   * declared with `new Dag<In, Out>()` (default: any input, unknown output). `dag.map`
   * and `dag.node(subDag)` type their nodes with them.
   */
  declare readonly _dagTypes?: { readonly in: (input: I) => void; readonly out: () => O };
  readonly #nodes = new Map<string, DagNode<any, any>>();
  readonly #edges: DagEdge[] = [];
  readonly #foreign: ForeignEdge[] = [];
  #version = 0;
  /** Edges by their end and by their start, rebuilt lazily after the DAG grows. */
  #index: EdgeIndex | undefined;

  /**
   * Adds a node that runs a function, a namespace node, or a whole DAG (a call node).
   *
   * @example
   * ```ts
   * const a = dag.node(async () => 1);
   * const b = dag.node(ns.get("market:summarize"));
   * const c = dag.node(subDag, { label: "enrich" });
   * ```
   */
  node<I, O>(fn: NodeFn<I, O>, options?: DagNodeOptions): DagNode<I, NodeOutput<O>>;
  node<I, O>(source: NodeSource<I, O>, options?: DagNodeOptions): DagNode<I, O>;
  node<SI, SO>(dag: Dag<SI, SO>, options?: DagNodeOptions): DagNode<SI, SO>;
  node(target: unknown, options: DagNodeOptions = {}): DagNode<any, any> {
    const { label: given, ...overrides } = options;
    const { spec, label: defaultLabel } = this.#specOf(target, overrides);
    const label = given ?? defaultLabel;
    if (this.#nodes.has(label)) throw new DuplicateLabel({ label });
    const node = new DagNode<any, any>(this, label, spec);
    this.#nodes.set(label, node);
    this.#version += 1;
    return node;
  }

  /**
   * Adds a map node: the sub-DAG runs once per element of the upstream's array, each run
   * a child run keyed `"label[i]"`, up to `concurrency` at once; the result keeps the
   * input's order, and an element whose result is an array contributes its items
   * (flat-map). An object input runs each value and gives an object with the same keys
   * (type it with `keyed: true`). The sub-DAG needs exactly one source and one sink
   * (`InvalidSubDag`). Given an unwired `dag.switch(...)` node, each element is routed to
   * a branch (map-switch) and that switch node becomes this map node.
   *
   * @example
   * ```ts
   * const countWords = new Dag<string, number>();
   * countWords.node((chunk: string) => chunk.split(/\s+/).length, { label: "count" });
   * split.to(dag.map(countWords, { label: "counts", concurrency: 4 })); // string[] → number[]
   * items.to(dag.map(dag.switch({ small, large }), { label: "routed" }));
   * ```
   */
  map<SI, SO>(
    target: MapTarget<SI, SO>,
    options: MapOptions & { readonly keyed: true },
  ): DagNode<{ readonly [key: string]: SI }, Record<string, SO>>;
  map<SI, SO>(
    target: MapTarget<SI, SO>,
    options?: MapOptions & { readonly keyed?: false },
  ): DagNode<readonly SI[], FlatMapped<SO>[]>;
  map(target: unknown, options: MapOptions = {}): DagNode<any, any> {
    const { label: given, concurrency, keyed = false, ...overrides } = options;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new InvalidMapNode({
        reason: `concurrency must be a positive integer, not ${String(concurrency)}`,
      });
    }
    const made = this.#mapTargetOf(target);
    const label = given ?? made.label;
    if (this.#nodes.has(label) && label !== made.replaces) throw new DuplicateLabel({ label });
    const refs: [string | undefined, SubDagRef][] =
      made.over.kind === "dag" ? [[undefined, made.over.ref]] : [...made.over.branches];
    for (const [branch, ref] of refs) {
      const reason = mappedShapeProblem(ref.dag as Dag<any, any>);
      if (reason !== undefined) throw new InvalidSubDag({ nodeLabel: label, branch, reason });
    }
    // Checked everything first: only now may the switch node give way to the map node.
    if (made.replaces !== undefined) this.#nodes.delete(made.replaces);
    const node = new DagNode<any, any>(this, label, {
      kind: "map",
      over: made.over,
      concurrency,
      keyed,
      options: { ...made.options, ...overrides },
    });
    this.#nodes.set(label, node);
    this.#version += 1;
    return node;
  }

  /**
   * Adds a switch node: its upstream returns `["label", data]` or
   * `{ __switch__: "label", ...data }`, and the branch with that label runs on `data` as
   * a child run keyed `"node:label"` (a function branch as a one-node sub-DAG); the
   * node's output is the branch's. Branches are an object of label → `Dag`, function or
   * namespace node, or an array labelled by the functions' names (nsref leaves). An
   * unknown label fails the node with `UnknownBranch`.
   *
   * @example
   * ```ts
   * const route = dag.switch({ small: (o: Order) => ship(o), large: reviewDag }, { label: "route" });
   * classify.to(route); // classify returns ["large", order] or { __switch__: "small", ...order }
   * ```
   */
  switch<B extends readonly Branch[]>(
    branches: B,
    options?: DagNodeOptions,
  ): SwitchNode<SwitchInput<B>, SwitchOutput<B>>;
  switch<B extends { readonly [label: string]: Branch }>(
    branches: B,
    options?: DagNodeOptions,
  ): SwitchNode<SwitchInput<B>, SwitchOutput<B>>;
  switch(branches: unknown, options: DagNodeOptions = {}): DagNode<any, any> {
    const { label: given, ...overrides } = options;
    const label = given ?? `switch${this.#nodes.size + 1}`;
    if (this.#nodes.has(label)) throw new DuplicateLabel({ label });
    const refs = switchBranches(label, branches, (target, name) => this.#branchRef(target, name));
    const node = new SwitchNode<any, any>(this, label, {
      kind: "switch",
      branches: refs,
      options: overrides,
    });
    this.#nodes.set(label, node);
    this.#version += 1;
    return node;
  }

  /** @internal Called by `DagNode.to`. */
  addEdge(from: DagNode<any, any>, to: DagNode<any, any>, options: EdgeOptions): void {
    this.#version += 1;
    if (this.#nodes.get(from.label) !== from || this.#nodes.get(to.label) !== to) {
      // Kept, not thrown: validate() reports it with the rest, before any run starts.
      this.#foreign.push(new ForeignEdge({ from: from.label, to: to.label }));
      return;
    }
    this.#edges.push({ from: from.label, to: to.label, as: options.as });
  }

  /** The nodes in insertion order. */
  get nodes(): readonly DagNode<any, any>[] {
    return [...this.#nodes.values()];
  }

  /** The edges in insertion order. */
  get edges(): readonly DagEdge[] {
    return this.#edges;
  }

  /** The node with this label, or `undefined`. */
  get(label: string): DagNode<any, any> | undefined {
    return this.#nodes.get(label);
  }

  /**
   * Grows by one with every change: a node or edge added, or a switch node turned into
   * a map node by `dag.map`. Anything derived from the DAG may be cached under it, as the
   * runner does with its order.
   */
  get version(): number {
    return this.#version;
  }

  /** Edges that end at `label`, in insertion order. */
  upstreamEdges(label: string): readonly DagEdge[] {
    return this.#edgeIndex().upstream.get(label) ?? NO_EDGES;
  }

  /** Edges that start at `label`, in insertion order. */
  downstreamEdges(label: string): readonly DagEdge[] {
    return this.#edgeIndex().downstream.get(label) ?? NO_EDGES;
  }

  /** The edge lists by label, built once per version: runs ask for them per node. */
  #edgeIndex(): EdgeIndex {
    if (this.#index?.version === this.#version) return this.#index;
    const upstream = new Map<string, DagEdge[]>();
    const downstream = new Map<string, DagEdge[]>();
    for (const edge of this.#edges) {
      const up = upstream.get(edge.to) ?? [];
      up.push(edge);
      upstream.set(edge.to, up);
      const down = downstream.get(edge.from) ?? [];
      down.push(edge);
      downstream.set(edge.from, down);
    }
    this.#index = { version: this.#version, upstream, downstream };
    return this.#index;
  }

  /** Nodes without upstreams: they receive the run's input. */
  sources(): readonly DagNode<any, any>[] {
    const fed = new Set(this.#edges.map((edge) => edge.to));
    return this.nodes.filter((node) => !fed.has(node.label));
  }

  /** Nodes without downstreams: their outputs are the run's outputs. */
  sinks(): readonly DagNode<any, any>[] {
    const feeding = new Set(this.#edges.map((edge) => edge.from));
    return this.nodes.filter((node) => !feeding.has(node.label));
  }

  /**
   * The nodes so that each comes after all its upstreams; ties keep insertion order.
   * Throws `DagCycle` when there is a cycle.
   */
  topologicalOrder(): readonly DagNode<any, any>[] {
    const result = topologicalOrder([...this.#nodes.keys()], this.#edges);
    if ("cycle" in result) throw new DagCycle({ cycle: result.cycle });
    return result.order.map((label) => this.#nodes.get(label) as DagNode<any, any>);
  }

  /**
   * The first problem that would stop this DAG from running, or `undefined`:
   * no nodes, an edge to another DAG's node, a cycle, or schemas that cannot meet.
   *
   * @example
   * ```ts
   * const problem = dag.check();
   * if (problem) console.error(problem.message);
   * ```
   */
  check(dagNsref?: string): DagInvalid | undefined {
    return this.#check(dagNsref, [this]);
  }

  /** `check`, knowing the DAGs that run this one as a sub-DAG (`chain`, this one last). */
  #check(dagNsref: string | undefined, chain: readonly object[]): DagInvalid | undefined {
    if (this.#nodes.size === 0) return new EmptyDag({ dagNsref });
    if (this.#foreign.length > 0) return this.#foreign[0];
    const result = topologicalOrder([...this.#nodes.keys()], this.#edges);
    if ("cycle" in result) return new DagCycle({ cycle: result.cycle });
    for (const edge of this.#edges) {
      const output = this.#nodes.get(edge.from)?.spec.options.output;
      const input = this.#nodes.get(edge.to)?.spec.options.input;
      // A fan-in input is an object of upstreams, so only a single edge is compared whole.
      if (output && input && this.upstreamEdges(edge.to).length === 1 && edge.as === undefined) {
        const reason = schemaMismatch(output, input);
        if (reason !== undefined)
          return new SchemaMismatch({ from: edge.from, to: edge.to, reason });
      }
    }
    return subDagProblem(this, chain, (sub, longer) => sub.#check(undefined, longer));
  }

  /**
   * Throws the first problem `check()` finds.
   *
   * @example
   * ```ts
   * dag.validate(); // throws DagCycle, ForeignEdge, EmptyDag or SchemaMismatch
   * ```
   */
  validate(): void {
    const problem = this.check();
    if (problem) throw problem;
  }

  /**
   * Runs the DAG once without history (`NullProvenance`) and resolves to its result.
   *
   * @example
   * ```ts
   * const { status, outputs } = await dag.run({ symbol: "AAPL" });
   * ```
   */
  async run(input?: unknown): Promise<RunResultLike> {
    // The one injection point from dag/ up to run/ (DESIGN.md): run/ installs the runner
    // when it loads, so dag/ never imports run/ and the module graph stays one-way.
    const run = installedDagRun();
    if (run === undefined) throw new DagRunnerMissing({ importFrom: "tickflow" });
    return run(this, input);
  }

  #specOf(target: unknown, overrides: NodeOptions): { spec: NodeSpec; label: string } {
    if (typeof target === "function") {
      const fn = target as NodeFn<unknown, unknown>;
      return {
        spec: { kind: "function", fn, options: overrides },
        label: fn.name || `node${this.#nodes.size + 1}`,
      };
    }
    if (target instanceof Dag) {
      return {
        spec: { kind: "dag", dag: target, options: overrides },
        label: `dag${this.#nodes.size + 1}`,
      };
    }
    if (isNodeSource(target)) {
      const leaf = target.nsref.slice(target.nsref.lastIndexOf(":") + 1);
      return {
        spec: { ...target.spec, options: { ...target.spec.options, ...overrides } },
        label: leaf,
      };
    }
    throw new InvalidNodeTarget({
      received: target === null ? "null" : Array.isArray(target) ? "an array" : typeof target,
    });
  }

  /** What a map node runs, its default label, and the switch node it replaces. */
  #mapTargetOf(target: unknown): {
    readonly over: Extract<NodeSpec, { kind: "map" }>["over"];
    readonly label: string;
    readonly replaces: string | undefined;
    readonly options: NodeOptions;
  } {
    const fallback = `map${this.#nodes.size + 1}`;
    if (target instanceof SwitchNode) {
      if (this.#nodes.get(target.label) !== target) {
        throw new InvalidMapNode({
          reason: `the switch "${target.label}" is not a node of this DAG (another DAG's, or already mapped)`,
        });
      }
      if (this.#edges.some((edge) => edge.from === target.label || edge.to === target.label)) {
        throw new InvalidMapNode({
          reason: `the switch "${target.label}" is already wired; map an unwired dag.switch(...) and wire the map node`,
        });
      }
      const spec = target.spec as Extract<NodeSpec, { kind: "switch" }>;
      return {
        over: { kind: "switch", branches: spec.branches },
        label: target.label,
        replaces: target.label,
        options: spec.options,
      };
    }
    if (target instanceof Dag) {
      return {
        over: { kind: "dag", ref: { dag: target, nsref: undefined } },
        label: fallback,
        replaces: undefined,
        options: {},
      };
    }
    if (isNodeSource(target) && target.spec.kind === "dag") {
      return {
        over: { kind: "dag", ref: { dag: target.spec.dag, nsref: target.nsref } },
        label: target.nsref.slice(target.nsref.lastIndexOf(":") + 1),
        replaces: undefined,
        options: target.spec.options,
      };
    }
    const received = isNodeSource(target)
      ? `the registered function "${target.nsref}"`
      : typeof target === "function"
        ? "a function"
        : target === null
          ? "null"
          : Array.isArray(target)
            ? "an array"
            : typeof target;
    throw new InvalidMapNode({
      reason: `it got ${received}; put a function in a one-node Dag to map it`,
    });
  }

  /** A switch branch as a sub-DAG; `undefined` for a value that cannot be a branch. */
  #branchRef(target: unknown, name: string): SubDagRef | undefined {
    if (target instanceof Dag) return { dag: target, nsref: undefined };
    if (isNodeSource(target) && target.spec.kind === "dag") {
      return { dag: target.spec.dag, nsref: target.nsref };
    }
    if (typeof target === "function" || isNodeSource(target)) {
      // A function branch runs as a one-node sub-DAG, so that it is recorded as a child
      // run and resumed like any other branch.
      const one = new Dag();
      one.node(target as NodeFn<unknown, unknown>, { label: name });
      return { dag: one, nsref: isNodeSource(target) ? target.nsref : undefined };
    }
    return undefined;
  }
}

const NO_EDGES: readonly DagEdge[] = Object.freeze([]);

/** A DAG's edges by their end and by their start, for one version of the DAG. */
interface EdgeIndex {
  readonly version: number;
  readonly upstream: ReadonlyMap<string, readonly DagEdge[]>;
  readonly downstream: ReadonlyMap<string, readonly DagEdge[]>;
}

function isNodeSource(value: unknown): value is NodeSource<unknown, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { nsref?: unknown; spec?: { kind?: unknown } };
  return (
    typeof candidate.nsref === "string" &&
    (candidate.spec?.kind === "function" || candidate.spec?.kind === "dag")
  );
}
