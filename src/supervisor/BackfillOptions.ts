import type { BackfillRecord } from "../trigger/backfillRecords.js";

/** An instant as a backfill option takes it: a `Date`, an ISO-8601 text or epoch ms. */
export type BackfillInstant = Date | string | number;

/**
 * What `manager.backfill(name, options)` fires: every tick of the trigger's schedule in
 * `[from, to)`, in order, each once.
 *
 * @example
 * ```ts
 * const options: BackfillOptions = { from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" };
 * ```
 */
export interface BackfillOptions {
  /** The first instant of the range (inclusive). */
  readonly from: BackfillInstant;
  /** The end of the range (exclusive); a `to` later than now is cut to now. */
  readonly to: BackfillInstant;
  /**
   * Most runs of this backfill in flight at once (default 1: one after another). A
   * backfill run only starts where the trigger's own overlap policy would start a fire
   * without skipping, buffering or cancelling anything, so above 1 it matters only for
   * `overlap: "allowAll"` triggers (up to their `maxConcurrent`).
   */
  readonly overlap?: number;
  /** Fire ticks already on record (any ledger row at that instant) again. Default false. */
  readonly refire?: boolean;
  /** The backfill's id (default: a new UUID); a backfill with this id already made is returned as is. */
  readonly id?: string;
}

/**
 * A backfill just made: its stored record, and `done`, which settles when it completes
 * (every tick fired or on record, and the runs it started in this process ended) or is
 * cancelled, with its final record.
 *
 * @example
 * ```ts
 * const handle = await manager.backfill("hourly", { from, to });
 * const final = await handle.done; // final.status === "completed"
 * ```
 */
export interface BackfillHandle {
  readonly id: string;
  readonly record: BackfillRecord;
  readonly done: Promise<BackfillRecord>;
}
