import type { CheckpointRow } from "./retentionSql.js";

/**
 * Where a trigger's journal was compacted: the machine snapshot after journal entry
 * `seq`, stored before the entries up to `seq` were deleted. A replay starts from it.
 *
 * @example
 * ```ts
 * const checkpoint = await store.getCheckpoint("hourly");
 * if (checkpoint) console.log(`journal pruned through seq ${checkpoint.seq}`);
 * ```
 */
export interface JournalCheckpoint {
  readonly triggerName: string;
  /** The last journal sequence folded into the snapshot (and deleted). */
  readonly seq: number;
  /** The persisted machine snapshot (`{ value, context, ... }`) as JSON text. */
  readonly snapshotJson: string;
  readonly machineVersion: number;
  readonly state: string;
  /** When entry `seq` was journaled. */
  readonly at: Date | undefined;
  /** When the compaction ran. */
  readonly prunedAt: Date;
}

/** A `trigger_checkpoints` row as a {@link JournalCheckpoint}. */
export function toCheckpoint(row: CheckpointRow): JournalCheckpoint {
  return {
    triggerName: row.trigger_name,
    seq: Number(row.seq),
    snapshotJson: row.snapshot_json,
    machineVersion: Number(row.machine_version),
    state: row.state,
    at: row.at === null ? undefined : new Date(row.at),
    prunedAt: new Date(row.pruned_at),
  };
}
