import { applyHistoryPg } from "../provenance/applyHistoryPg.js";
import { DagProvenance } from "../provenance/DagProvenance.js";
import { applyHistorySqlite, type HistoryWrite } from "../provenance/HistoryWrite.js";
import type { CommitHooks } from "../trigger/TriggerBackend.js";
import type { TriggerWrite } from "../trigger/TriggerWrite.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/**
 * A write of the fire path's group commit: the trigger store's own, or a run-history
 * write that rides in the same transaction (see {@link sharedHistory}).
 *
 * @example
 * ```ts
 * const writes: FireWrite[] = [fireRow, { kind: "history", write: runStart }];
 * ```
 */
export type FireWrite = TriggerWrite | { readonly kind: "history"; readonly write: HistoryWrite };

/** Turns a commit's history writes into the trigger backend's `alongside` hook. */
export type HistoryAlongside = (
  writes: readonly HistoryWrite[],
) => NonNullable<CommitHooks["alongside"]>;

/**
 * How the run history's writes join the trigger store's transactions, when both are on
 * one connection: the same SQLite store object (one file: the CLI's `--db FILE`, or
 * `new DagProvenance(store.store)`), or the same PostgreSQL pool. `undefined` otherwise
 * (two files, SQLite beside PostgreSQL, a provenance that is not a `DagProvenance`):
 * then the history commits on its own, as before issue 15.
 *
 * @example
 * ```ts
 * const alongside = sharedHistory(core);
 * await backend.commit("fire", writes, { alongside: alongside?.([runStart]) });
 * ```
 */
export function sharedHistory(core: SupervisorCore): HistoryAlongside | undefined {
  const history = core.provenance;
  if (!(history instanceof DagProvenance)) return undefined;
  const pg = history.pg;
  if (pg !== undefined) {
    if (pg !== core.store.pg) return undefined;
    return (writes) => ({
      pg: async (tx) => {
        for (const write of writes) await applyHistoryPg(tx, write);
      },
    });
  }
  if (core.store.kind !== "sqlite") return undefined;
  const store = core.store.store;
  if (history.store !== store) return undefined;
  return (writes) => ({
    sqlite: () => {
      for (const write of writes) applyHistorySqlite(store, write);
    },
  });
}
