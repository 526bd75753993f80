import type { Dag } from "../dag/Dag.js";
import type { NodeSpec, SubDagRef } from "../dag/DagNode.js";
import { InvalidSubDag } from "../dag/errors.js";
import type { FireContext } from "../dag/NodeContext.js";
import { mappedShapeProblem } from "../dag/subDagProblems.js";
import type { ProvenanceService, StoredChildRun } from "../provenance/Provenance.js";
import { runTyped } from "../store/runTyped.js";
import { type ChildOutcome, type ChildRunner, ChildRuns } from "./ChildRuns.js";
import {
  DagPause,
  MapInputInvalid,
  type NodeError,
  NodeFailed,
  SwitchLabelMissing,
  UnknownBranch,
} from "./errors.js";
import { type Route, routeSwitch } from "./routeSwitch.js";

/** A composite node's spec: a call, a switch or a map. */
export type CompositeSpec = Exclude<NodeSpec, { readonly kind: "function" }>;

/**
 * One call of a composite node, as the runner hands it over.
 *
 * @example
 * ```ts
 * await runComposite({ label: "counts", spec, input: chunks, attempt: 1, signal, parentRunId,
 *   mayHaveChildren: false, provenance, runnerFor });
 * ```
 */
export interface CompositeCall {
  readonly label: string;
  readonly spec: CompositeSpec;
  readonly input: unknown;
  readonly attempt: number;
  /** The node's signal: aborting it interrupts every child run in flight. */
  readonly signal: AbortSignal;
  readonly parentRunId: string;
  /** The trigger fire of the parent run: its children's nodes see it too. */
  readonly fire: FireContext | undefined;
  /** Whether children may already be recorded (a resumed run or a retry): then look. */
  readonly mayHaveChildren: boolean;
  readonly provenance: ProvenanceService;
  /** A runner for one sub-DAG, recording into the parent's history. */
  readonly runnerFor: (ref: SubDagRef) => ChildRunner;
}

/**
 * Runs a composite node and resolves to its output:
 * - a call node runs its sub-DAG once on the input (child run keyed `"label"`);
 * - a switch routes the input to one branch (keyed `"label:branch"`);
 * - a map runs its sub-DAG (or routes through its switch) once per element, keyed
 *   `"label[i]"` (`"label[i]:branch"`), at most `concurrency` at once; results keep the
 *   input's order and an array result is spread into the list (flat-map); an object input
 *   gives an object with the same keys.
 * A failed child rejects with `NodeFailed` naming the child run (and the element); a
 * paused child pauses the node (`DagPause`) once the children in flight finish.
 *
 * @example
 * ```ts
 * const counts = await runComposite(call); // [3, 5, 8]
 * ```
 */
export async function runComposite(call: CompositeCall): Promise<unknown> {
  const recorded = await recordedChildren(call);
  const children = new ChildRuns(call.parentRunId, recorded, call.runnerFor, call.fire);
  const { spec, label } = call;
  if (spec.kind === "map") return runMap(call, spec, children);
  const route: Route =
    spec.kind === "switch"
      ? routeSwitch(label, call.input, spec.branches)
      : { branch: "", ref: { dag: spec.dag, nsref: spec.nsref }, data: call.input };
  const key = spec.kind === "switch" ? `${label}:${route.branch}` : label;
  const outcome = await settle(() => children.run(route.ref, key, route.data, call.signal));
  return outputOrThrow(call, outcome, undefined);
}

/** The parent's recorded children, read only when there can be some (not on a first try). */
async function recordedChildren(call: CompositeCall): Promise<ReadonlyMap<string, StoredChildRun>> {
  const load = call.provenance.loadChildRuns;
  if (!call.mayHaveChildren || load === undefined) return new Map();
  return runTyped(load(call.parentRunId));
}

/** One element of a map node's input: where it sits, its child run's key, what runs. */
interface Element {
  readonly at: number | string;
  readonly key: string;
  readonly route: Route;
}

async function runMap(
  call: CompositeCall,
  spec: Extract<CompositeSpec, { kind: "map" }>,
  children: ChildRuns,
): Promise<unknown> {
  const { label, input } = call;
  const entries = entriesOf(label, input, spec.keyed);
  // A sub-DAG that grew a second source or sink after dag.map() was called.
  const refs =
    spec.over.kind === "dag" ? [[undefined, spec.over.ref] as const] : [...spec.over.branches];
  for (const [branch, ref] of refs) {
    const reason = mappedShapeProblem(ref.dag as Dag<any, any>);
    if (reason !== undefined) throw new InvalidSubDag({ nodeLabel: label, branch, reason });
  }
  // Every element is routed before any runs: a bad label fails the node at once, not
  // after the elements before it did their work.
  const elements: Element[] = entries.map(([at, value]) => {
    const slot = typeof at === "number" ? `${label}[${at}]` : `${label}[${JSON.stringify(at)}]`;
    if (spec.over.kind === "dag") {
      return { at, key: slot, route: { branch: "", ref: spec.over.ref, data: value } };
    }
    const route = routeSwitch(label, value, spec.over.branches, at);
    return { at, key: `${slot}:${route.branch}`, route };
  });

  // Children get a signal of their own: the node's (interruption from outside) or a
  // failed sibling aborts it, which interrupts every child run in flight.
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (call.signal.aborted) abort();
  else call.signal.addEventListener("abort", abort, { once: true });
  const results: unknown[] = new Array(elements.length);
  let failed: { readonly element: Element; readonly outcome: ChildOutcome } | undefined;
  let paused = false;
  let next = 0;
  const worker = async () => {
    // A pause lets the elements in flight finish but starts no new one; a failure or an
    // interruption also aborts those in flight.
    while (
      next < elements.length &&
      failed === undefined &&
      !paused &&
      !controller.signal.aborted
    ) {
      const index = next++;
      const element = elements[index] as Element;
      const { ref, data } = element.route;
      const outcome = await settle(() => children.run(ref, element.key, data, controller.signal));
      if (outcome.kind === "completed") {
        results[index] = outcome.output;
      } else if (outcome.kind === "failed") {
        if (failed === undefined) failed = { element, outcome };
        abort();
      } else if (outcome.kind === "paused") {
        paused = true;
      }
    }
  };
  try {
    const limit = Math.min(spec.concurrency ?? elements.length, elements.length);
    await Promise.all(Array.from({ length: limit }, worker));
  } finally {
    call.signal.removeEventListener("abort", abort);
  }
  if (failed !== undefined) return outputOrThrow(call, failed.outcome, failed.element.at);
  if (call.signal.aborted) throw new Error(`map node "${label}" was interrupted`);
  if (paused) {
    throw new DagPause({ reason: `a child run of "${label}" paused; restart the run to go on` });
  }
  if (Array.isArray(input)) return results.flat();
  return Object.fromEntries(entries.map(([at], i) => [at, results[i]]));
}

/** The elements of a map node's input, or `MapInputInvalid` naming the value's type. */
function entriesOf(
  label: string,
  input: unknown,
  keyed: boolean,
): (readonly [number | string, unknown])[] {
  if (Array.isArray(input) && !keyed) return input.map((value, i) => [i, value] as const);
  if (isPlainObject(input)) return Object.entries(input);
  const received = describeValue(input);
  throw new MapInputInvalid({
    nodeLabel: label,
    received:
      keyed && Array.isArray(input)
        ? `${received} (the node is keyed: it maps an object's values)`
        : received,
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `a ${value.constructor?.name ?? "object"}`;
  return typeof value === "undefined" ? "undefined" : `a ${typeof value}`;
}

/**
 * The typed error a composite node's call rejected with, or `undefined` for anything
 * else (which the runner wraps in `NodeFailed`). A `NodeFailed` from here already names
 * the node, its child run and element: wrapping it again would bury them.
 *
 * @example
 * ```ts
 * compositeError(new UnknownBranch({ nodeLabel: "route", branch: "x", known: ["a"] })); // the same error
 * ```
 */
export function compositeError(cause: unknown): NodeError | undefined {
  return cause instanceof NodeFailed ||
    cause instanceof MapInputInvalid ||
    cause instanceof SwitchLabelMissing ||
    cause instanceof UnknownBranch
    ? cause
    : undefined;
}

/** A child's run, with a rejection (a failing store, an invalid sub-DAG) as a failure. */
async function settle(run: () => Promise<ChildOutcome>): Promise<ChildOutcome> {
  try {
    return await run();
  } catch (cause) {
    return { kind: "failed", runId: "", error: cause };
  }
}

/** The output of a completed child, or the error its end means for the node. */
function outputOrThrow(
  call: CompositeCall,
  outcome: ChildOutcome,
  element: number | string | undefined,
): unknown {
  switch (outcome.kind) {
    case "completed":
      return outcome.output;
    case "failed":
      throw new NodeFailed({
        nodeLabel: call.label,
        attempt: call.attempt,
        cause: outcome.error,
        ...(element === undefined ? {} : { element }),
        ...(outcome.runId === "" ? {} : { childRunId: outcome.runId }),
      });
    case "paused":
      throw new DagPause({ reason: `child run ${outcome.runId} paused; restart the run to go on` });
    case "interrupted":
      throw new Error(`child run ${outcome.runId} was interrupted`);
  }
}
