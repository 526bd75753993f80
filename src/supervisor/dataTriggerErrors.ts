import * as Data from "effect/Data";

/**
 * A trigger definition given as data (`manager.upsertTrigger`, `tickflow trigger add`)
 * that JSON cannot carry, or that is not JSON at all: `path` names the place, `reason`
 * says what is wrong there.
 *
 * @example
 * ```ts
 * await manager.upsertTrigger({ ...def, payload: { n: 10n } }); // TriggerDefinitionNotJson { path: "payload.n" }
 * ```
 */
export class TriggerDefinitionNotJson extends Data.TaggedError("TriggerDefinitionNotJson")<{
  readonly name: string;
  readonly path: string;
  readonly reason: string;
}> {
  override get message() {
    return `Trigger definition "${this.name}" is not JSON at ${this.path}: ${this.reason}. A data trigger is stored as JSON: give strings, numbers, booleans, null, arrays and plain objects.`;
  }
}

/**
 * A data trigger names something the namespace does not hold: its DAG (`dagNsref`) or
 * its poll function (`pollNsref`, which must be a registered function, not a DAG).
 * Code is never read from the database: a poll function is registered in code and
 * named here.
 *
 * @example
 * ```ts
 * await manager.upsertTrigger({ name: "c42", dagNsref: "reports:dayly", triggerType: "push" });
 * // DataTriggerRefUnknown { field: "dagNsref", nsref: "reports:dayly", nearest: ["reports:daily"] }
 * ```
 */
export class DataTriggerRefUnknown extends Data.TaggedError("DataTriggerRefUnknown")<{
  readonly name: string;
  readonly field: "dagNsref" | "pollNsref";
  readonly nsref: string;
  readonly reason: string;
  readonly nearest: readonly string[];
}> {
  override get message() {
    const hint =
      this.nearest.length > 0
        ? ` Did you mean ${this.nearest.map((n) => `"${n}"`).join(", ")}?`
        : " Register it in the namespace the supervisor runs (ns.register).";
    return `Trigger "${this.name}": ${this.field} "${this.nsref}" ${this.reason}.${hint}`;
  }
}

/**
 * `upsertTrigger` or `removeTrigger` named a trigger that is defined in code
 * (`ns.registerTrigger`): code triggers change with the code, never from the database.
 *
 * @example
 * ```ts
 * await manager.removeTrigger("hourly_market"); // CodeDefinedTrigger { name: "hourly_market" }
 * ```
 */
export class CodeDefinedTrigger extends Data.TaggedError("CodeDefinedTrigger")<{
  readonly name: string;
  readonly operation: "upsert" | "remove";
}> {
  override get message() {
    return `Trigger "${this.name}" is defined in code (ns.registerTrigger): it cannot be ${this.operation === "upsert" ? "changed" : "removed"} as data. Change it in the code, or give the data trigger another name.`;
  }
}

/**
 * `removeTrigger` named no data trigger (never defined as data, or already removed).
 *
 * @example
 * ```ts
 * await manager.removeTrigger("customer_43"); // DataTriggerNotFound { nearest: ["customer_42"] }
 * ```
 */
export class DataTriggerNotFound extends Data.TaggedError("DataTriggerNotFound")<{
  readonly name: string;
  readonly nearest: readonly string[];
}> {
  override get message() {
    const hint =
      this.nearest.length > 0
        ? ` Did you mean ${this.nearest.map((n) => `"${n}"`).join(", ")}?`
        : " tickflow status lists the triggers and where each comes from.";
    return `No data trigger named "${this.name}" (none stands with that name).${hint}`;
  }
}

/**
 * `tickflow trigger add` named a data trigger that already stands (use `update`).
 *
 * @example
 * ```ts
 * // tickflow trigger add customer_42 ... → DataTriggerExists { name: "customer_42" }
 * ```
 */
export class DataTriggerExists extends Data.TaggedError("DataTriggerExists")<{
  readonly name: string;
}> {
  override get message() {
    return `A data trigger named "${this.name}" already exists: change it with tickflow trigger update ${this.name}, or remove it first.`;
  }
}
