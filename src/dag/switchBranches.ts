import type { SubDagRef } from "./DagNode.js";
import { InvalidBranches } from "./errors.js";

/**
 * Turns the branches given to `dag.switch(...)` into label → sub-DAG. An object gives
 * the labels as keys; an array takes them from names (a function's `name`, a namespace
 * node's nsref leaf). `toRef` makes the sub-DAG of one branch (the caller, `Dag`, knows
 * how) and returns `undefined` for a value that cannot be a branch. Throws
 * `InvalidBranches` naming the branch at fault.
 *
 * @example
 * ```ts
 * switchBranches("route", [function small() {}, function large() {}], toRef);
 * // Map { "small" → …, "large" → … }
 * ```
 */
export function switchBranches(
  nodeLabel: string,
  branches: unknown,
  toRef: (target: unknown, name: string) => SubDagRef | undefined,
): ReadonlyMap<string, SubDagRef> {
  const fail = (reason: string) => new InvalidBranches({ nodeLabel, reason });
  let named: (readonly [string, unknown])[];
  if (Array.isArray(branches)) {
    named = branches.map((target, index) => {
      const name = nameOf(target);
      if (name === undefined)
        throw fail(
          `branch ${index} has no name; give it a named function, or pass an object of label → branch`,
        );
      return [name, target] as const;
    });
  } else if (typeof branches === "object" && branches !== null) {
    named = Object.entries(branches);
  } else {
    throw fail(`expected an object of label → branch or an array, got ${typeOf(branches)}`);
  }
  if (named.length === 0) throw fail("there are none; give at least one");
  const result = new Map<string, SubDagRef>();
  for (const [name, target] of named) {
    if (name === "") throw fail("a branch label is empty");
    if (result.has(name)) throw fail(`two branches are labelled "${name}"`);
    const ref = toRef(target, name);
    if (ref === undefined)
      throw fail(
        `branch "${name}" is ${typeOf(target)}; a branch is a Dag, a function or a namespace node`,
      );
    result.set(name, ref);
  }
  return result;
}

/** A branch's name in the array form: a named function's, or a namespace node's leaf. */
function nameOf(target: unknown): string | undefined {
  if (typeof target === "function") return target.name || undefined;
  if (typeof target === "object" && target !== null && "nsref" in target) {
    const nsref = (target as { nsref: unknown }).nsref;
    if (typeof nsref === "string") return nsref.slice(nsref.lastIndexOf(":") + 1);
  }
  return undefined;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}
