import type { Dag } from "../dag/Dag.js";
import { InvalidTriggerDefinition } from "../namespace/errors.js";
import type { Namespace } from "../namespace/Namespace.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";

/**
 * The DAG a trigger fires; `InvalidTriggerDefinition` when its nsref names a function.
 *
 * @example
 * ```ts
 * const dag = dagOfTrigger(namespace, namespace.getTrigger("hourly"));
 * ```
 */
export function dagOfTrigger(namespace: Namespace, definition: TriggerDefinition): Dag {
  const node = namespace.get(definition.dagNsref);
  if (node.spec.kind !== "dag") {
    throw new InvalidTriggerDefinition({
      name: definition.name,
      field: "dagNsref",
      reason: `names a function ("${definition.dagNsref}"), not a DAG: register a Dag under it`,
    });
  }
  return node.spec.dag as Dag;
}
