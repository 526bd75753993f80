/**
 * Where a backfill stands: `running` (ticks left to fire, or runs of it in flight),
 * `completed` (every tick of the range handled: fired, or found on record) or `cancelled`.
 */
export type BackfillStatus = "running" | "completed" | "cancelled";

/**
 * One backfill as stored (`trigger_backfills`): the trigger, the range `[from, to)`, how
 * far it got (`position`: the last tick handled), and its counts.
 *
 * @example
 * ```ts
 * for (const b of await store.listBackfills("hourly")) console.log(b.id, b.status, b.fired);
 * ```
 */
export interface BackfillRecord {
  readonly id: string;
  readonly triggerName: string;
  /** The first instant of the range (inclusive). */
  readonly from: Date;
  /** The end of the range (exclusive); never later than when the backfill was made. */
  readonly to: Date;
  /** The last tick handled (fired, or skipped as on record); `undefined` before the first. */
  readonly position: Date | undefined;
  /** Ticks on record are fired again. */
  readonly refire: boolean;
  /** Most runs of this backfill in flight at once. */
  readonly overlap: number;
  readonly status: BackfillStatus;
  /** Ticks fired so far. */
  readonly fired: number;
  /** Ticks not fired because they were on record already. */
  readonly skipped: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When it completed or was cancelled. */
  readonly finishedAt: Date | undefined;
}

/** A `trigger_backfills` row (PostgreSQL gives integers as numbers or strings). */
export interface BackfillRow {
  readonly backfill_id: string;
  readonly trigger_name: string;
  readonly from_at: string;
  readonly to_at: string;
  readonly position_at: string | null;
  readonly refire: number | string | boolean;
  readonly overlap: number | string;
  readonly status: string;
  readonly fired: number | string;
  readonly skipped: number | string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly finished_at: string | null;
}

/**
 * A stored row as a {@link BackfillRecord}.
 *
 * @example
 * ```ts
 * const record = toBackfill(row);
 * ```
 */
export function toBackfill(row: BackfillRow): BackfillRecord {
  return {
    id: row.backfill_id,
    triggerName: row.trigger_name,
    from: new Date(row.from_at),
    to: new Date(row.to_at),
    position: row.position_at === null ? undefined : new Date(row.position_at),
    refire: Number(row.refire) === 1 || row.refire === true,
    overlap: Number(row.overlap),
    status: row.status as BackfillStatus,
    fired: Number(row.fired),
    skipped: Number(row.skipped),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    finishedAt: row.finished_at === null ? undefined : new Date(row.finished_at),
  };
}
