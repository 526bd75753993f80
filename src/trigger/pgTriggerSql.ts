/**
 * Every PostgreSQL statement of the trigger store, in one place (positional `$1`, `$2`, …
 * parameters). The tables are those of `triggerSql.ts` translated (`pgMigrations.ts`);
 * times are ISO-8601 UTC text on both databases, so comparing two of them as text
 * compares the instants. Trigger names are ordered `COLLATE "C"` (byte order, as SQLite
 * orders them), whatever the database's collation.
 *
 * Invariants these statements keep:
 * - The fire ledger: `trigger_events` holds at most one row per scheduled tick — the
 *   partial unique index on (trigger_name, scheduled_at) refuses a second one, so a
 *   double fire fails in the database even if every check above it were wrong.
 * - A lease row (`trigger_leases`, `supervisor_lease`) changes owner only once expired,
 *   and each change of owner bumps its epoch (`claimTriggerLeases`, `takeLease`): a
 *   commit fenced by an old epoch can never pass.
 * - A commit reads its fence rows `FOR SHARE` (`selectLeaseForShare`,
 *   `selectFenceRows`): until it commits, nobody can change their owner, so the writes
 *   it makes are made under the lease it checked. Rows are locked in name order
 *   everywhere several are locked (fences, renewals, releases), so two transactions
 *   never wait on each other in a cycle.
 * - Claims never wait and never overlap: candidates are locked `FOR UPDATE OF a SKIP
 *   LOCKED` (concurrent claimers take disjoint sets without waiting for one another),
 *   then their existing lease rows `FOR UPDATE SKIP LOCKED` (a trigger whose lease a
 *   commit is reading under `FOR SHARE` is left for a later round instead of waited
 *   for), and the upsert re-checks expiry on the row's latest version.
 *
 * The fire-path writes (`write*`) take one array per column and apply every element
 * (`unnest`), so a commit of many writes of one kind is one round trip; inserts keep
 * the arrays' order (`WITH ORDINALITY … ORDER BY`), so identity columns (`seq`, `ord`)
 * grow in write order.
 */
export const pgTriggerSql = {
  // ── fire-path writes: one array per column ──────────────────────────────────────────
  /** $1 name, $2 dag_nsref, $3 trigger_type, $4 status, $5 at, $6 config_json (text[]). */
  writeUpsertActivations: `INSERT INTO trigger_activations (name, dag_nsref, trigger_type, status,
      created_at, activated_at, config_json)
    SELECT w.name, w.dag_nsref, w.trigger_type, w.status, w.at, w.at, w.config_json
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
      WITH ORDINALITY AS w(name, dag_nsref, trigger_type, status, at, config_json, n)
    ORDER BY w.n
    ON CONFLICT (name) DO UPDATE SET dag_nsref = excluded.dag_nsref,
      trigger_type = excluded.trigger_type, status = excluded.status,
      activated_at = excluded.activated_at, config_json = excluded.config_json`,
  /** $1 name, $2 status. */
  writeStatuses: `UPDATE trigger_activations a SET status = w.status
    FROM unnest($1::text[], $2::text[]) AS w(name, status) WHERE a.name = w.name`,
  /** $1 name, $2 note, $3 by, $4 at. */
  writeStatusNotes: `UPDATE trigger_activations a SET status_note = w.note, status_by = w.by,
      status_at = w.at
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS w(name, note, by, at)
    WHERE a.name = w.name`,
  /** $1 name, $2 snapshot_json, $3 machine_version (int[]), $4 state. */
  writeSnapshots: `UPDATE trigger_activations a SET snapshot_json = w.snapshot_json,
      machine_version = w.machine_version, state = w.state
    FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[])
      AS w(name, snapshot_json, machine_version, state)
    WHERE a.name = w.name`,
  /** $1 name, $2 next_run_at (null to clear). */
  writeNextRuns: `UPDATE trigger_activations a SET next_run_at = w.next_run_at
    FROM unnest($1::text[], $2::text[]) AS w(name, next_run_at) WHERE a.name = w.name`,
  /** $1 name, $2 poll_cursor (JSON text; null to clear). */
  writeCursors: `UPDATE trigger_activations a SET poll_cursor = w.poll_cursor
    FROM unnest($1::text[], $2::text[]) AS w(name, poll_cursor) WHERE a.name = w.name`,
  /** $1 name, $2 count: scheduled fires made against `maxFires`, added. */
  writeFireCounts: `UPDATE trigger_activations a SET fires_used = a.fires_used + w.count
    FROM unnest($1::text[], $2::integer[]) AS w(name, count) WHERE a.name = w.name`,
  /** $1 name, $2 run_id, $3 at. */
  writeRunEnds: `UPDATE trigger_activations a SET last_run_at = w.at, last_run_id = w.run_id
    FROM unnest($1::text[], $2::text[], $3::text[]) AS w(name, run_id, at) WHERE a.name = w.name`,
  /** $1 trigger_name, $2 event_json, $3 state_after, $4 at. */
  writeJournal: `INSERT INTO trigger_journal (trigger_name, event_json, state_after, at)
    SELECT w.trigger_name, w.event_json, w.state_after, w.at
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
      WITH ORDINALITY AS w(trigger_name, event_json, state_after, at, n)
    ORDER BY w.n`,
  /**
   * $1 event_id, $2 trigger_name, $3 fired_at, $4 scheduled_at, $5 run_id, $6 payload_json,
   * $7 status, $8 error, $9 kind, $10 fire_key, $11 backfill_id. A second row for one (trigger, scheduled_at) fails (unique tick).
   */
  writeEvents: `INSERT INTO trigger_events (event_id, trigger_name, fired_at, scheduled_at, run_id,
      payload_json, status, error, kind, fire_key, backfill_id)
    SELECT w.event_id, w.trigger_name, w.fired_at, w.scheduled_at, w.run_id, w.payload_json,
      w.status, w.error, w.kind, w.fire_key, w.backfill_id
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::text[], $9::text[], $10::text[], $11::text[])
      WITH ORDINALITY AS w(event_id, trigger_name, fired_at, scheduled_at, run_id, payload_json,
        status, error, kind, fire_key, backfill_id, n)
    ORDER BY w.n`,
  /** $1 event_id, $2 status, $3 error, $4 fired_at, $5 finished_at (null keeps the old value). */
  writeEventUpdates: `UPDATE trigger_events e SET status = w.status, error = COALESCE(w.error, e.error),
      fired_at = COALESCE(w.fired_at, e.fired_at), finished_at = COALESCE(w.finished_at, e.finished_at)
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
      AS w(event_id, status, error, fired_at, finished_at)
    WHERE e.event_id = w.event_id`,
  /** $1 seq (bigint[]), $2 state, $3 at, $4 run_id, $5 error; only pending commands change. */
  writeCommandsDone: `UPDATE trigger_commands c SET state = w.state, done_at = w.at, run_id = w.run_id,
      error = w.error
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
      AS w(seq, state, at, run_id, error)
    WHERE c.seq = w.seq AND c.state = 'pending'`,

  // ── reads ───────────────────────────────────────────────────────────────────────────
  selectActivation: `SELECT * FROM trigger_activations WHERE name = $1`,
  selectActivations: `SELECT * FROM trigger_activations ORDER BY name COLLATE "C"`,
  /** $1 names (text[]). */
  selectActivationsNamed: `SELECT * FROM trigger_activations WHERE name = ANY($1::text[])
    ORDER BY name COLLATE "C"`,
  /**
   * Paging by (fired_at, ord): rows of one catch-up share a fired_at, so an instant alone
   * would skip rows; the cursor is the last row of the previous page.
   * $1 name, $2 fired_at, $3 ord, $4 limit.
   */
  selectEvents: `SELECT * FROM trigger_events WHERE trigger_name = $1
    AND (fired_at < $2 OR (fired_at = $2 AND ord < $3))
    ORDER BY fired_at DESC, ord DESC LIMIT $4`,
  selectEventOrd: `SELECT ord FROM trigger_events WHERE event_id = $1`,
  selectEvent: `SELECT * FROM trigger_events WHERE event_id = $1`,
  selectEventByKey: `SELECT * FROM trigger_events WHERE trigger_name = $1 AND fire_key = $2`,
  countEventsByStatus: `SELECT status, COUNT(*) AS n FROM trigger_events WHERE trigger_name = $1
    GROUP BY status`,
  /** Every trigger's ledger counts (statuses in order, as the one-trigger query gives them). */
  countAllEventsByStatus: `SELECT trigger_name, status, COUNT(*) AS n FROM trigger_events
    GROUP BY trigger_name, status ORDER BY trigger_name, status`,
  /** $1 name, $2 after seq (exclusive), $3 until seq (inclusive). */
  selectJournal: `SELECT * FROM trigger_journal WHERE trigger_name = $1 AND seq > $2 AND seq <= $3
    ORDER BY seq`,

  // ── commands ────────────────────────────────────────────────────────────────────────
  /** $1 name, $2 kind, $3 payload_json, $4 at, $5 fire_key. */
  insertCommand: `INSERT INTO trigger_commands (trigger_name, kind, payload_json, requested_at,
      fire_key)
    VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
  selectCommand: `SELECT * FROM trigger_commands WHERE seq = $1`,
  /** $1 names (text[]), or null for every trigger. */
  selectPendingCommands: `SELECT * FROM trigger_commands
    WHERE state = 'pending' AND ($1::text[] IS NULL OR trigger_name = ANY($1::text[]))
    ORDER BY seq LIMIT 100`,

  // ── the database lease (one supervisor fires everything) ────────────────────────────
  selectLease: `SELECT owner_id, epoch, expires_at FROM supervisor_lease WHERE id = 1`,
  /** A commit's database fence: the row cannot change owner until the commit ends. */
  selectLeaseForShare: `SELECT owner_id, epoch, expires_at FROM supervisor_lease WHERE id = 1 FOR SHARE`,
  selectLeaseForUpdate: `SELECT owner_id, epoch, expires_at, holder_host, holder_pid, holder_started
    FROM supervisor_lease WHERE id = 1 FOR UPDATE`,
  /**
   * $1 owner, $2 now, $3 expires_at, $4 host, $5 pid, $6 process start. Returns a row
   * only when there was no lease yet.
   */
  insertLease: `INSERT INTO supervisor_lease (id, owner_id, epoch, expires_at, acquired_at,
    holder_host, holder_pid, holder_started) VALUES (1, $1, 1, $3, $2, $4, $5, $6)
    ON CONFLICT (id) DO NOTHING RETURNING epoch`,
  /** As `insertLease`; the caller holds the row FOR UPDATE. */
  takeLease: `UPDATE supervisor_lease SET owner_id = $1, epoch = epoch + 1, expires_at = $3,
    acquired_at = $2, holder_host = $4, holder_pid = $5, holder_started = $6
    WHERE id = 1 RETURNING epoch`,
  /** $1 owner, $2 epoch, $3 expires_at. */
  renewLease: `UPDATE supervisor_lease SET expires_at = $3
    WHERE id = 1 AND owner_id = $1 AND epoch = $2 RETURNING epoch`,

  // ── per-trigger leases (several supervisors share the triggers) ─────────────────────
  /** $1 owner, $2 now, $3 expires_at, $4 host, $5 pid, $6 process start. */
  upsertSupervisor: `INSERT INTO supervisors (owner_id, started_at, expires_at, holder_host, holder_pid,
    holder_started) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (owner_id) DO UPDATE SET expires_at = excluded.expires_at,
      holder_host = excluded.holder_host, holder_pid = excluded.holder_pid,
      holder_started = excluded.holder_started`,
  /** $1 host, $2 owner (not this one), $3 now: live-looking supervisors of this host. */
  selectHostSupervisors: `SELECT owner_id, holder_host, holder_pid, holder_started FROM supervisors
    WHERE holder_host = $1 AND owner_id <> $2 AND expires_at > $3`,
  /** $1 owner, $2 now: a supervisor whose process is gone expires now. */
  expireSupervisor: `UPDATE supervisors SET expires_at = $2 WHERE owner_id = $1`,
  /** $1 owner, $2 now: the trigger leases of a gone supervisor expire now. */
  expireTriggerLeasesOf: `UPDATE trigger_leases SET expires_at = $2
    WHERE owner_id = $1 AND expires_at > $2`,
  /** $1 now. */
  countLiveSupervisors: `SELECT COUNT(*) AS n FROM supervisors WHERE expires_at > $1`,
  /** $1 before. */
  deleteDeadSupervisors: `DELETE FROM supervisors WHERE expires_at <= $1`,
  deleteSupervisor: `DELETE FROM supervisors WHERE owner_id = $1`,
  countActivations: `SELECT COUNT(*) AS n FROM trigger_activations`,
  /** $1 owner, $2 expires_at. Locks in name order; returns every lease still held. */
  renewTriggerLeases: `WITH mine AS (
      SELECT trigger_name FROM trigger_leases WHERE owner_id = $1
      ORDER BY trigger_name COLLATE "C" FOR UPDATE
    )
    UPDATE trigger_leases l SET expires_at = $2 FROM mine
    WHERE l.trigger_name = mine.trigger_name AND l.owner_id = $1
    RETURNING l.trigger_name, l.epoch`,
  /**
   * Candidates of a claim: triggers whose lease is absent or expired. `SKIP LOCKED`: a
   * candidate another claimer has locked is passed over, so concurrent claimers take
   * disjoint sets without waiting for one another.
   * $1 now, $2 max, $3 only these names (text[]) or null, $4 names already tried (text[]).
   */
  selectClaimable: `SELECT a.name FROM trigger_activations a
    LEFT JOIN trigger_leases l ON l.trigger_name = a.name
    WHERE (l.trigger_name IS NULL OR l.expires_at <= $1)
      AND ($3::text[] IS NULL OR a.name = ANY($3::text[]))
      AND NOT (a.name = ANY($4::text[]))
    ORDER BY a.name COLLATE "C" LIMIT $2
    FOR UPDATE OF a SKIP LOCKED`,
  /**
   * Each candidate's lease row, locked without waiting: `leased` says whether the row
   * exists, `locked` whether this claim now holds it. A row that exists but was not
   * locked is being read `FOR SHARE` by a commit of its owner (or changed by another
   * transaction): that trigger is left for a later round instead of waited for.
   * $1 names (text[]).
   */
  lockClaimableLeases: `SELECT w.name,
      EXISTS (SELECT 1 FROM trigger_leases e WHERE e.trigger_name = w.name) AS leased,
      l.trigger_name IS NOT NULL AS locked
    FROM unnest($1::text[]) WITH ORDINALITY AS w(name, n)
    LEFT JOIN LATERAL (
      SELECT trigger_name FROM trigger_leases WHERE trigger_name = w.name FOR UPDATE SKIP LOCKED
    ) l ON true
    ORDER BY w.n`,
  /**
   * Takes each lease that is absent or expired; a change of owner bumps the epoch. A
   * lease live on its latest version is not taken and not returned.
   * $1 names (text[]), $2 owner, $3 now, $4 expires_at.
   */
  claimTriggerLeases: `INSERT INTO trigger_leases (trigger_name, owner_id, epoch, expires_at, acquired_at)
    SELECT w.name, $2, 1, $4, $3 FROM unnest($1::text[]) AS w(name)
    ORDER BY w.name COLLATE "C"
    ON CONFLICT (trigger_name) DO UPDATE SET owner_id = excluded.owner_id,
      epoch = trigger_leases.epoch + 1, expires_at = excluded.expires_at,
      acquired_at = excluded.acquired_at
    WHERE trigger_leases.expires_at <= excluded.acquired_at
    RETURNING trigger_name, epoch`,
  /**
   * $1 names (text[]), $2 owner, $3 now. Locks in name order. Clears the owner: the
   * owner's next renewal must not take the lease back.
   */
  releaseTriggerLeases: `WITH mine AS (
      SELECT trigger_name FROM trigger_leases WHERE trigger_name = ANY($1::text[]) AND owner_id = $2
      ORDER BY trigger_name COLLATE "C" FOR UPDATE
    )
    UPDATE trigger_leases l SET expires_at = $3, owner_id = '' FROM mine
    WHERE l.trigger_name = mine.trigger_name AND l.owner_id = $2`,
  selectTriggerLeases: `SELECT trigger_name, owner_id, epoch, expires_at FROM trigger_leases
    ORDER BY trigger_name COLLATE "C"`,
  /**
   * A commit's trigger fence: the lease rows of the triggers it writes, read `FOR SHARE`
   * in name order, so none changes owner until the commit ends. $1 names (text[]).
   */
  selectFenceRows: `SELECT trigger_name, owner_id, epoch FROM trigger_leases
    WHERE trigger_name = ANY($1::text[]) ORDER BY trigger_name COLLATE "C" FOR SHARE`,
} as const;
