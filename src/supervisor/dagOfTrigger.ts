import type { Dag } from "../dag/Dag.js";
import { dagOfNsref } from "../namespace/dagOfNsref.js";
import type { Namespace } from "../namespace/Namespace.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";

/**
 * The DAG a trigger fires: its `dagNsref`'s DAG, or a one-node DAG when it names a
 * registered function (see `dagOfNsref`).
 *
 * @example
 * ```ts
 * const dag = dagOfTrigger(namespace, namespace.getTrigger("hourly"));
 * ```
 */
export function dagOfTrigger(namespace: Namespace, definition: TriggerDefinition): Dag {
  return dagOfNsref(namespace, definition.dagNsref);
}
