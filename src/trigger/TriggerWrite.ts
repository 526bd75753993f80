/**
 * One write of the fire path. The supervisor collects the writes a machine transition
 * implies and `TriggerStore.commit` applies them all in ONE transaction — the
 * write-ahead commit that must land before the side effect it permits.
 *
 * @example
 * ```ts
 * store.commit("fire", [
 *   { kind: "insertEvent", eventId, name, firedAt, scheduledAt, runId, payload, status: "running", error: null },
 *   { kind: "snapshot", name, snapshot, machineVersion: 1, state: "firing" },
 *   { kind: "journal", name, event, stateAfter: "firing", at },
 * ]);
 * ```
 */
export type TriggerWrite =
  | {
      readonly kind: "upsertActivation";
      readonly name: string;
      readonly dagNsref: string;
      readonly triggerType: string;
      readonly status: "active" | "disabled";
      readonly config: Record<string, unknown>;
      readonly at: number;
    }
  | { readonly kind: "setStatus"; readonly name: string; readonly status: "active" | "disabled" }
  | {
      readonly kind: "snapshot";
      readonly name: string;
      readonly snapshot: unknown;
      readonly machineVersion: number;
      readonly state: string;
    }
  | {
      readonly kind: "journal";
      readonly name: string;
      readonly event: unknown;
      readonly stateAfter: string;
      readonly at: number;
    }
  | {
      readonly kind: "insertEvent";
      readonly eventId: string;
      readonly name: string;
      readonly firedAt: number;
      readonly scheduledAt: number | null;
      readonly runId: string | null;
      readonly payload: unknown;
      readonly status: string;
      readonly error: string | null;
      /** Why it fired (`FireKind`): the ledger's `kind` column; absent or `null` for none. */
      readonly fireKind?: string | null;
      /** An idempotent push's key: unique per trigger (`fire_key`); absent or `null` for none. */
      readonly fireKey?: string | null;
      /** The backfill that fired it (`backfill_id`); absent or `null` for none. */
      readonly backfillId?: string | null;
    }
  | {
      readonly kind: "updateEvent";
      readonly eventId: string;
      readonly status: string;
      readonly error?: string;
      readonly firedAt?: number;
      readonly finishedAt?: number;
    }
  | {
      readonly kind: "runEnded";
      readonly name: string;
      readonly runId: string;
      readonly at: number;
    }
  | {
      /** The note of a status change (activate/deactivate): why, by whom, when. */
      readonly kind: "statusNote";
      readonly name: string;
      readonly note: string | null;
      readonly by: string | null;
      readonly at: number;
    }
  | { readonly kind: "nextRun"; readonly name: string; readonly nextRunAt: number | null }
  /**
   * Scheduled fires (tick, catchUp) a trigger with `maxFires` made in this commit: added
   * to its count in the same transaction as their ledger rows.
   */
  | { readonly kind: "countFires"; readonly name: string; readonly count: number }
  /** A poll trigger's cursor (checked to be JSON); `undefined` clears it. */
  | { readonly kind: "cursor"; readonly name: string; readonly cursor: unknown }
  // Backfills (see src/supervisor/Backfills.ts): made, advanced with the fire of each tick
  // (or past ticks on record), and finished (completed or cancelled).
  | {
      readonly kind: "insertBackfill";
      readonly id: string;
      readonly name: string;
      readonly from: number;
      readonly to: number;
      readonly refire: boolean;
      readonly overlap: number;
      readonly at: number;
    }
  | {
      readonly kind: "backfillProgress";
      readonly id: string;
      /** The last tick handled. */
      readonly position: number;
      /** Added to the counts. */
      readonly fired: number;
      readonly skipped: number;
      readonly at: number;
    }
  | {
      readonly kind: "finishBackfill";
      readonly id: string;
      readonly status: "completed" | "cancelled";
      readonly at: number;
    }
  | {
      readonly kind: "commandDone";
      readonly seq: number;
      readonly state: "done" | "failed" | "expired";
      readonly runId: string | null;
      readonly error: string | null;
      readonly at: number;
    }
  // Retention (see src/supervisor/Pruner.ts): deletes of old rows, fenced like the rest.
  | { readonly kind: "deleteEvent"; readonly eventId: string }
  | { readonly kind: "deleteJournal"; readonly name: string; readonly throughSeq: number }
  | {
      readonly kind: "checkpoint";
      readonly name: string;
      /** The last journal sequence folded into `snapshot`. */
      readonly seq: number;
      readonly snapshot: unknown;
      readonly machineVersion: number;
      readonly state: string;
      /** When that journal entry was written. */
      readonly at: number | null;
      readonly prunedAt: number;
    };
