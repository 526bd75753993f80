import * as Data from "effect/Data";

/**
 * The DAG's edges form a cycle; `cycle` lists the labels around it, first label repeated last.
 *
 * @example
 * ```ts
 * // a.to(b); b.to(a); dag.validate() → DagCycle { cycle: ["a", "b", "a"] }
 * ```
 */
export class DagCycle extends Data.TaggedError("DagCycle")<{ readonly cycle: readonly string[] }> {
  override get message() {
    return `The DAG has a cycle: ${this.cycle.join(" → ")}. Remove one of these edges.`;
  }
}

/**
 * An edge joins a node of this DAG to a node created by another `Dag`.
 *
 * @example
 * ```ts
 * // dagA.node(f).to(dagB.node(g)) → ForeignEdge { from: "f", to: "g" }
 * ```
 */
export class ForeignEdge extends Data.TaggedError("ForeignEdge")<{
  readonly from: string;
  readonly to: string;
}> {
  override get message() {
    return `The edge ${this.from} → ${this.to} joins nodes of two different DAGs. Create both nodes with the same dag.node(...).`;
  }
}

/**
 * Two nodes of one DAG got the same label.
 *
 * @example
 * ```ts
 * // dag.node(fetch); dag.node(fetch) → DuplicateLabel { label: "fetch" }
 * ```
 */
export class DuplicateLabel extends Data.TaggedError("DuplicateLabel")<{
  readonly label: string;
}> {
  override get message() {
    return `The DAG already has a node labelled "${this.label}". Pass a distinct label: dag.node(fn, { label: "${this.label}_2" }).`;
  }
}

/**
 * A DAG without nodes cannot run.
 *
 * @example
 * ```ts
 * new Dag().validate(); // throws EmptyDag
 * ```
 */
export class EmptyDag extends Data.TaggedError("EmptyDag")<{
  readonly dagNsref: string | undefined;
}> {
  override get message() {
    return `The DAG${this.dagNsref ? ` "${this.dagNsref}"` : ""} has no nodes. Add at least one with dag.node(fn).`;
  }
}

/**
 * Both ends of an edge declare a schema and the upstream's output schema cannot
 * feed the downstream's input schema.
 *
 * @example
 * ```ts
 * // output Schema.String → input Schema.Number: SchemaMismatch { from, to, reason }
 * ```
 */
export class SchemaMismatch extends Data.TaggedError("SchemaMismatch")<{
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}> {
  override get message() {
    return `The output schema of "${this.from}" cannot feed the input schema of "${this.to}": ${this.reason}.`;
  }
}

/**
 * A value given to `dag.node(...)` is neither a function, a namespace node nor a DAG.
 *
 * @example
 * ```ts
 * dag.node(42 as any); // throws InvalidNodeTarget
 * ```
 */
export class InvalidNodeTarget extends Data.TaggedError("InvalidNodeTarget")<{
  readonly received: string;
}> {
  override get message() {
    return `dag.node() takes a function, a namespace node (ns.get(...)) or a Dag; it got ${this.received}.`;
  }
}

/**
 * A composite node's sub-DAG cannot run there: a mapped sub-DAG (or a mapped switch's
 * branch) needs exactly one source and one sink, and no sub-DAG may be invalid itself or
 * contain the DAG that runs it. `reason` says which nodes are the trouble.
 *
 * @example
 * ```ts
 * dag.map(twoSources, { label: "each" });
 * // InvalidSubDag: The sub-DAG of "each" has 2 sources (a, b); a mapped sub-DAG needs exactly one.
 * ```
 */
export class InvalidSubDag extends Data.TaggedError("InvalidSubDag")<{
  readonly nodeLabel: string;
  readonly branch: string | undefined;
  readonly reason: string;
}> {
  override get message() {
    const which = this.branch === undefined ? "" : ` (branch "${this.branch}")`;
    return `The sub-DAG of "${this.nodeLabel}"${which} ${this.reason}.`;
  }
}

/**
 * The branches given to `dag.switch(...)` cannot be routed to: none given, a branch in an
 * array without a name, two branches with one name, or a branch that is not a DAG, a
 * function or a namespace node.
 *
 * @example
 * ```ts
 * dag.switch([async () => 1], { label: "route" });
 * // InvalidBranches: branch 0 has no name; give it a named function or use an object
 * ```
 */
export class InvalidBranches extends Data.TaggedError("InvalidBranches")<{
  readonly nodeLabel: string;
  readonly reason: string;
}> {
  override get message() {
    return `The branches of switch "${this.nodeLabel}" are invalid: ${this.reason}.`;
  }
}

/**
 * `dag.map(...)` cannot make its node: it takes a `Dag`, a DAG registered in a namespace,
 * or a not-yet-wired `dag.switch(...)` node of the same DAG, and a `concurrency` that is a
 * positive integer.
 *
 * @example
 * ```ts
 * dag.map(async (x: number) => x, { label: "each" }); // InvalidMapNode
 * ```
 */
export class InvalidMapNode extends Data.TaggedError("InvalidMapNode")<{
  readonly reason: string;
}> {
  override get message() {
    return `dag.map() cannot make its node: ${this.reason}.`;
  }
}

/**
 * A DAG factory given to `ns.registerFactory(...)` returned something other than a `Dag`.
 *
 * @example
 * ```ts
 * ns.registerFactory(() => undefined as any, { nsref: "pipelines:x" }); // InvalidDagFactory
 * ```
 */
export class InvalidDagFactory extends Data.TaggedError("InvalidDagFactory")<{
  readonly nsref: string;
  readonly received: string;
}> {
  override get message() {
    return `The factory registered as "${this.nsref}" returned ${this.received}, not a Dag. Make it return new Dag() with its nodes.`;
  }
}

/** Every error `dag.validate()` can report. */
export type DagInvalid = DagCycle | ForeignEdge | EmptyDag | SchemaMismatch | InvalidSubDag;

/**
 * `dag.run(...)` was called in a program that never loaded the runner (it imported
 * `Dag` from its own file, not from the package).
 *
 * @example
 * ```ts
 * await dag.run({}); // DagRunnerMissing when only src/dag/Dag.ts was imported
 * ```
 */
export class DagRunnerMissing extends Data.TaggedError("DagRunnerMissing")<{
  /** The module that loads the runner. */
  readonly importFrom: string;
}> {
  override get message() {
    return `dag.run() needs the runner, which this program never loaded: import { Dag } from "${this.importFrom}" (or import DagRunner) before calling it.`;
  }
}
