import type { SubDagRef } from "../dag/DagNode.js";
import { SwitchLabelMissing, UnknownBranch } from "./errors.js";

/** Where a switch sends a value: the branch's label and sub-DAG, and the data it runs on. */
export interface Route {
  readonly branch: string;
  readonly ref: SubDagRef;
  readonly data: unknown;
}

/**
 * Reads the branch label from a value routed to a switch: the tuple `["label", data]`,
 * or an object `{ __switch__: "label", ...data }` (the branch gets the object without
 * `__switch__`). Throws `SwitchLabelMissing` when there is no label and `UnknownBranch`
 * when the label is not one of `branches`; `element` names the map element, if any.
 *
 * @example
 * ```ts
 * routeSwitch("route", ["large", order], branches); // { branch: "large", ref, data: order }
 * routeSwitch("route", { __switch__: "small", id: 1 }, branches); // data: { id: 1 }
 * ```
 */
export function routeSwitch(
  nodeLabel: string,
  value: unknown,
  branches: ReadonlyMap<string, SubDagRef>,
  element?: number | string,
): Route {
  const at = element === undefined ? {} : { element };
  const { branch, data } = labelled(value, (received) => {
    throw new SwitchLabelMissing({ nodeLabel, received, ...at });
  });
  const ref = branches.get(branch);
  if (ref === undefined) {
    throw new UnknownBranch({ nodeLabel, branch, known: [...branches.keys()], ...at });
  }
  return { branch, ref, data };
}

function labelled(
  value: unknown,
  missing: (received: string) => never,
): { branch: string; data: unknown } {
  if (Array.isArray(value)) {
    const [branch, data] = value;
    if (value.length === 2 && typeof branch === "string") return { branch, data };
    return missing(
      `an array of ${value.length} item${value.length === 1 ? "" : "s"}, not a ["branch", data] pair`,
    );
  }
  if (typeof value === "object" && value !== null) {
    if (!("__switch__" in value)) return missing("an object without __switch__");
    const { __switch__: branch, ...data } = value as { __switch__: unknown };
    if (typeof branch !== "string")
      return missing(`an object whose __switch__ is ${typeof branch}`);
    return { branch, data };
  }
  return missing(value === null ? "null" : typeof value);
}
