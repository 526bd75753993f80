import { InvalidTriggerOption } from "../namespace/errors.js";
import type { Namespace } from "../namespace/Namespace.js";
import { nearest } from "../namespace/nearest.js";
import {
  defineTrigger,
  type TriggerDefinition,
  type TriggerSpec,
} from "../namespace/TriggerDefinition.js";
import { validateTriggerSpec } from "../namespace/validateTriggerSpec.js";
import { jsonProblem } from "../store/jsonProblem.js";
import {
  CodeDefinedTrigger,
  DataTriggerRefUnknown,
  TriggerDefinitionNotJson,
} from "./dataTriggerErrors.js";

/**
 * A trigger defined as data (`manager.upsertTrigger`, `tickflow trigger add --file`):
 * every field of `TriggerSpec` (the same names, values and defaults as
 * `ns.registerTrigger`) as JSON, except that a poll function is named, never given —
 * `pollNsref` is the nsref of a function registered in the namespace, and instants are
 * ISO 8601 strings or epoch ms.
 *
 * @example
 * ```ts
 * const def: DataTriggerDefinition = {
 *   name: "customer_42",
 *   dagNsref: "reports:daily",
 *   triggerType: "cron",
 *   schedule: "0 7 * * *",
 *   timezone: "Europe/Berlin",
 *   payload: { customerId: 42 },
 *   catchUp: "latest",
 * };
 * ```
 */
export type DataTriggerDefinition = Omit<TriggerSpec, "pollFn" | "startAt" | "endAt"> & {
  /** The nsref of a registered function called as the poll function (`triggerType: "poll"`). */
  readonly pollNsref?: string;
  readonly startAt?: string | number;
  readonly endAt?: string | number;
};

/**
 * What `upsertTrigger` and `removeTrigger` resolve to: the trigger, what the change did,
 * and the version it was stored under (every supervisor applies versions in order).
 *
 * @example
 * ```ts
 * const { action, version } = await manager.upsertTrigger(def); // "created", 7
 * ```
 */
export interface DataTriggerChange {
  readonly name: string;
  readonly action: "created" | "updated" | "removed";
  readonly version: number;
}

/**
 * A data definition checked and turned into the trigger it defines: the same checks as
 * `ns.registerTrigger` (`validateTriggerSpec`, `defineTrigger`: `InvalidTriggerOption`,
 * `InvalidTriggerDefinition`, `InvalidSchedule`, …), plus `TriggerDefinitionNotJson`
 * (a value JSON cannot carry), `DataTriggerRefUnknown` (its DAG or poll function is not
 * registered) and `CodeDefinedTrigger` (code defines a trigger of that name). `json` is what is stored. The one place a
 * data definition becomes a `TriggerSpec`: a new `TriggerSpec` field needs no line here.
 *
 * @example
 * ```ts
 * const { definition, json } = dataTriggerSpec(ns, JSON.parse(text));
 * ```
 */
export function dataTriggerSpec(
  namespace: Namespace,
  input: unknown,
): { readonly definition: TriggerDefinition; readonly json: string } {
  // Shape first: not an object, an unknown field or a bad value, by the table.
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    validateTriggerSpec(input); // InvalidTriggerDefinition: not an object
  }
  const { pollNsref, pollFn, ...rest } = input as Record<string, unknown>;
  const name = typeof rest.name === "string" ? rest.name : "?";
  if (pollFn !== undefined) {
    throw new InvalidTriggerOption({
      name,
      field: "pollFn",
      value: typeof pollFn === "function" ? "a function" : pollFn,
      accepted:
        "no value in a data definition (code is never read from data): name a registered function with pollNsref",
    });
  }
  validateTriggerSpec(rest);
  const named = { ...rest, ...(pollNsref === undefined ? {} : { pollNsref }) };
  const problem = jsonProblem(named, "definition");
  if (problem !== undefined) throw new TriggerDefinitionNotJson({ name, ...problem });
  // What is stored is what JSON gives back (a Date becomes its ISO string).
  const json = JSON.stringify(named);
  const data = JSON.parse(json) as Record<string, unknown>;
  const { pollNsref: _named, ...spec } = data;
  const poll = pollNsref === undefined ? undefined : pollFunction(namespace, name, pollNsref);
  if (namespace.hasTrigger(String(rest.name))) {
    throw new CodeDefinedTrigger({ name: String(rest.name), operation: "upsert" });
  }
  const definition = defineTrigger({
    ...(spec as unknown as TriggerSpec),
    ...(poll === undefined ? {} : { pollFn: poll }),
  });
  if (!namespace.has(definition.dagNsref)) {
    throw new DataTriggerRefUnknown({
      name,
      field: "dagNsref",
      nsref: definition.dagNsref,
      reason: "is not registered in the namespace",
      nearest: nearest(
        definition.dagNsref,
        namespace.list().map((node) => node.nsref),
      ),
    });
  }
  return { definition, json };
}

/** The registered function `pollNsref` names, called with the poll context. */
function pollFunction(
  namespace: Namespace,
  name: string,
  pollNsref: unknown,
): TriggerSpec["pollFn"] {
  const refused = (nsref: string, reason: string) =>
    new DataTriggerRefUnknown({
      name,
      field: "pollNsref",
      nsref,
      reason,
      nearest: nearest(
        nsref,
        namespace
          .list()
          .filter((node) => node.spec.kind === "function")
          .map((node) => node.nsref),
      ),
    });
  if (typeof pollNsref !== "string") {
    throw new InvalidTriggerOption({
      name,
      field: "pollNsref",
      value: pollNsref,
      accepted: 'the nsref of a registered function, as a string ("feeds:check")',
    });
  }
  if (!namespace.has(pollNsref)) throw refused(pollNsref, "is not registered in the namespace");
  const node = namespace.get(pollNsref);
  if (node.spec.kind !== "function") {
    throw refused(pollNsref, "is a DAG; a poll function must be a registered function");
  }
  const fn = node.spec.fn as unknown as NonNullable<TriggerSpec["pollFn"]>;
  return (ctx) => fn(ctx);
}
