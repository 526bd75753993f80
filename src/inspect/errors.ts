import * as Data from "effect/Data";

/**
 * The trigger database holds no record of this trigger: it was never activated there
 * (or the name is misspelt). `nearest` lists the closest stored names.
 *
 * @example
 * ```ts
 * await explain(store, "hourly_markt"); // TriggerNotInStore { nearest: ["hourly_market"] }
 * ```
 */
export class TriggerNotInStore extends Data.TaggedError("TriggerNotInStore")<{
  readonly name: string;
  readonly path: string;
  readonly nearest: readonly string[];
}> {
  override get message() {
    const hint =
      this.nearest.length > 0
        ? ` Did you mean ${this.nearest.map((n) => `"${n}"`).join(", ")}?`
        : " It was never activated in this database.";
    return `No trigger named "${this.name}" in ${this.path}.${hint} List the stored triggers with \`tickflow status\` (or store.listActivations()).`;
  }
}
