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

/**
 * A replay asked for a point in a trigger's history that retention has pruned: the
 * journal before `seq` was compacted into a checkpoint on `prunedAt`.
 *
 * @example
 * ```ts
 * await replayHistory(store, "hourly", { until: 3 }); // HistoryPruned { seq: 120 }
 * ```
 */
export class HistoryPruned extends Data.TaggedError("HistoryPruned")<{
  readonly name: string;
  readonly seq: number;
  readonly prunedAt: Date;
}> {
  override get message() {
    return `The journal of "${this.name}" before seq ${this.seq} was pruned on ${this.prunedAt.toISOString()} (retention). Replay from seq ${this.seq} on, or keep the journal longer with the manager's retention option.`;
  }
}
