/**
 * The statements of retention (pruning old rows) on the trigger store, SQLite and
 * PostgreSQL side by side. What they never select (the invariants of retention):
 * - a ledger row whose run is in flight (`running`, `paused`) or a tick kept for later
 *   (`buffered`);
 * - the newest ledger row and the newest journal row of each trigger (a restart, `status`
 *   and `explain` read them).
 * Times are ISO-8601 UTC text, so `<` on them is `<` in time.
 */
export const retentionSql = {
  sqlite: {
    prunableEvents: `SELECT event_id FROM trigger_events WHERE trigger_name = @name
      AND fired_at < @before AND status NOT IN ('running', 'paused', 'buffered')
      AND fired_at < (SELECT MAX(fired_at) FROM trigger_events WHERE trigger_name = @name)
      ORDER BY fired_at LIMIT @limit`,
    countPrunableEvents: `SELECT COUNT(*) AS n FROM trigger_events WHERE trigger_name = @name
      AND fired_at < @before AND status NOT IN ('running', 'paused', 'buffered')
      AND fired_at < (SELECT MAX(fired_at) FROM trigger_events WHERE trigger_name = @name)`,
    prunableJournal: `SELECT * FROM trigger_journal WHERE trigger_name = @name AND at < @before
      AND seq < (SELECT MAX(seq) FROM trigger_journal WHERE trigger_name = @name)
      ORDER BY seq LIMIT @limit`,
    countPrunableJournal: `SELECT COUNT(*) AS n FROM trigger_journal WHERE trigger_name = @name
      AND at < @before AND seq < (SELECT MAX(seq) FROM trigger_journal WHERE trigger_name = @name)`,
    selectCheckpoint: `SELECT * FROM trigger_checkpoints WHERE trigger_name = ?`,
    upsertCheckpoint: `INSERT INTO trigger_checkpoints (trigger_name, seq, snapshot_json,
        machine_version, state, at, pruned_at)
      VALUES (@name, @seq, @snapshot, @version, @state, @at, @prunedAt)
      ON CONFLICT (trigger_name) DO UPDATE SET seq = excluded.seq,
        snapshot_json = excluded.snapshot_json, machine_version = excluded.machine_version,
        state = excluded.state, at = excluded.at, pruned_at = excluded.pruned_at`,
    deleteEvent: `DELETE FROM trigger_events WHERE event_id = ?`,
    deleteJournal: `DELETE FROM trigger_journal WHERE trigger_name = ? AND seq <= ?`,
  },
  pg: {
    /** $1 name, $2 before, $3 limit. */
    prunableEvents: `SELECT event_id FROM trigger_events WHERE trigger_name = $1
      AND fired_at < $2 AND status NOT IN ('running', 'paused', 'buffered')
      AND fired_at < (SELECT MAX(fired_at) FROM trigger_events WHERE trigger_name = $1)
      ORDER BY fired_at LIMIT $3`,
    countPrunableEvents: `SELECT COUNT(*) AS n FROM trigger_events WHERE trigger_name = $1
      AND fired_at < $2 AND status NOT IN ('running', 'paused', 'buffered')
      AND fired_at < (SELECT MAX(fired_at) FROM trigger_events WHERE trigger_name = $1)`,
    prunableJournal: `SELECT * FROM trigger_journal WHERE trigger_name = $1 AND at < $2
      AND seq < (SELECT MAX(seq) FROM trigger_journal WHERE trigger_name = $1)
      ORDER BY seq LIMIT $3`,
    countPrunableJournal: `SELECT COUNT(*) AS n FROM trigger_journal WHERE trigger_name = $1
      AND at < $2 AND seq < (SELECT MAX(seq) FROM trigger_journal WHERE trigger_name = $1)`,
    selectCheckpoint: `SELECT * FROM trigger_checkpoints WHERE trigger_name = $1`,
    /** $1 event_id. */
    writeDeleteEvents: `DELETE FROM trigger_events e USING unnest($1::text[]) AS w(event_id)
      WHERE e.event_id = w.event_id`,
    /** $1 trigger_name, $2 through seq. */
    writeDeleteJournal: `DELETE FROM trigger_journal j
      USING unnest($1::text[], $2::bigint[]) AS w(trigger_name, seq)
      WHERE j.trigger_name = w.trigger_name AND j.seq <= w.seq`,
    /** $1 name, $2 seq, $3 snapshot_json, $4 machine_version, $5 state, $6 at, $7 pruned_at. */
    writeCheckpoints: `INSERT INTO trigger_checkpoints (trigger_name, seq, snapshot_json,
        machine_version, state, at, pruned_at)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::integer[], $5::text[],
        $6::text[], $7::text[])
      ON CONFLICT (trigger_name) DO UPDATE SET seq = excluded.seq,
        snapshot_json = excluded.snapshot_json, machine_version = excluded.machine_version,
        state = excluded.state, at = excluded.at, pruned_at = excluded.pruned_at`,
  },
} as const;

/** A `trigger_checkpoints` row. */
export interface CheckpointRow {
  readonly trigger_name: string;
  readonly seq: number | string;
  readonly snapshot_json: string;
  readonly machine_version: number;
  readonly state: string;
  readonly at: string | null;
  readonly pruned_at: string;
}
