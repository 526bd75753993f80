/**
 * The statements of backfills (`trigger_backfills`, migration 12), SQLite and PostgreSQL
 * side by side. Times are ISO-8601 UTC text. A backfill's position only moves in the
 * transaction that writes the ledger row of the tick it reached (or, for ticks found on
 * record, in a transaction of its own): the ledger is the truth, the position a cursor
 * over it.
 */
export const backfillSql = {
  sqlite: {
    insert: `INSERT INTO trigger_backfills (backfill_id, trigger_name, from_at, to_at, position_at,
        refire, overlap, status, fired, skipped, created_at, updated_at, finished_at)
      VALUES (@id, @name, @from, @to, NULL, @refire, @overlap, 'running', 0, 0, @at, @at, NULL)
      ON CONFLICT (backfill_id) DO NOTHING`,
    progress: `UPDATE trigger_backfills SET position_at = @position, fired = fired + @fired,
        skipped = skipped + @skipped, updated_at = @at WHERE backfill_id = @id`,
    finish: `UPDATE trigger_backfills SET status = @status, updated_at = @at, finished_at = @at
      WHERE backfill_id = @id AND status = 'running'`,
    select: `SELECT * FROM trigger_backfills WHERE backfill_id = ?`,
    selectAll: `SELECT * FROM trigger_backfills ORDER BY created_at DESC, backfill_id`,
    selectOf: `SELECT * FROM trigger_backfills WHERE trigger_name = ?
      ORDER BY created_at DESC, backfill_id`,
    eventAt: `SELECT 1 AS found FROM trigger_events WHERE trigger_name = ? AND scheduled_at = ? LIMIT 1`,
  },
  pg: {
    /** $1 id, $2 name, $3 from, $4 to, $5 refire, $6 overlap, $7 at (one row per array entry). */
    writeInserts: `INSERT INTO trigger_backfills (backfill_id, trigger_name, from_at, to_at, position_at,
        refire, overlap, status, fired, skipped, created_at, updated_at, finished_at)
      SELECT w.id, w.name, w.from_at, w.to_at, NULL, w.refire, w.overlap, 'running', 0, 0, w.at,
        w.at, NULL
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[])
        AS w(id, name, from_at, to_at, refire, overlap, at)
      ON CONFLICT (backfill_id) DO NOTHING`,
    /** $1 id, $2 position_at, $3 fired (added), $4 skipped (added), $5 at. */
    writeProgress: `UPDATE trigger_backfills b SET position_at = w.position_at, fired = b.fired + w.fired,
        skipped = b.skipped + w.skipped, updated_at = w.at
      FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[])
        AS w(id, position_at, fired, skipped, at)
      WHERE b.backfill_id = w.id`,
    /** $1 id, $2 status, $3 at. */
    writeFinish: `UPDATE trigger_backfills b SET status = w.status, updated_at = w.at, finished_at = w.at
      FROM unnest($1::text[], $2::text[], $3::text[]) AS w(id, status, at)
      WHERE b.backfill_id = w.id AND b.status = 'running'`,
    select: `SELECT * FROM trigger_backfills WHERE backfill_id = $1`,
    selectAll: `SELECT * FROM trigger_backfills ORDER BY created_at DESC, backfill_id`,
    selectOf: `SELECT * FROM trigger_backfills WHERE trigger_name = $1
      ORDER BY created_at DESC, backfill_id`,
    eventAt: `SELECT 1 AS found FROM trigger_events WHERE trigger_name = $1 AND scheduled_at = $2 LIMIT 1`,
  },
};
