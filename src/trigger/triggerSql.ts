import { holderGone } from "./ProcessIdentity.js";

/**
 * Every SQL statement of the trigger store, in one place. Times are ISO-8601 UTC text.
 *
 * Invariant (the fire ledger): `trigger_events` holds at most one row per scheduled
 * tick — the unique index on (trigger_name, scheduled_at) refuses a second one, so a
 * double fire fails in the database even if every check above it were wrong.
 */
export const triggerSql = {
  upsertActivation: `INSERT INTO trigger_activations (name, dag_nsref, trigger_type, status, created_at,
      activated_at, config_json)
    VALUES (@name, @dagNsref, @triggerType, @status, @at, @at, @config)
    ON CONFLICT (name) DO UPDATE SET dag_nsref = excluded.dag_nsref, trigger_type = excluded.trigger_type,
      status = excluded.status, activated_at = excluded.activated_at, config_json = excluded.config_json`,
  setStatus: `UPDATE trigger_activations SET status = @status WHERE name = @name`,
  setStatusNote: `UPDATE trigger_activations SET status_note = @note, status_by = @by, status_at = @at
    WHERE name = @name`,
  saveSnapshot: `UPDATE trigger_activations SET snapshot_json = @snapshot, machine_version = @version,
    state = @state WHERE name = @name`,
  setNextRun: `UPDATE trigger_activations SET next_run_at = @nextRunAt WHERE name = @name`,
  setCursor: `UPDATE trigger_activations SET poll_cursor = @cursor WHERE name = @name`,
  countFires: `UPDATE trigger_activations SET fires_used = fires_used + @count WHERE name = @name`,
  runEnded: `UPDATE trigger_activations SET last_run_at = @at, last_run_id = @runId WHERE name = @name`,
  appendJournal: `INSERT INTO trigger_journal (trigger_name, event_json, state_after, at)
    VALUES (@name, @event, @stateAfter, @at)`,
  insertEvent: `INSERT INTO trigger_events (event_id, trigger_name, fired_at, scheduled_at, run_id,
      payload_json, status, error, kind, fire_key, backfill_id)
    VALUES (@eventId, @name, @firedAt, @scheduledAt, @runId, @payload, @status, @error, @fireKind,
      @fireKey, @backfillId)`,
  updateEvent: `UPDATE trigger_events SET status = @status, error = COALESCE(@error, error),
    fired_at = COALESCE(@firedAt, fired_at), finished_at = COALESCE(@finishedAt, finished_at)
    WHERE event_id = @eventId`,
  selectActivation: `SELECT * FROM trigger_activations WHERE name = ?`,
  selectActivations: `SELECT * FROM trigger_activations ORDER BY name`,
  /** The page of activations after a name (`eachActivation`): ?1 after, ?2 limit. */
  selectActivationPage: `SELECT * FROM trigger_activations WHERE name > ? ORDER BY name LIMIT ?`,
  // Paging by (fired_at, rowid): rows of one catch-up share a fired_at, so an instant alone
  // would skip rows; the cursor is the last row of the previous page.
  selectEvents: `SELECT * FROM trigger_events WHERE trigger_name = @name
    AND (fired_at < @firedAt OR (fired_at = @firedAt AND rowid < @rowid))
    ORDER BY fired_at DESC, rowid DESC LIMIT @limit`,
  selectEventRowid: `SELECT rowid AS rowid FROM trigger_events WHERE event_id = ?`,
  selectEvent: `SELECT * FROM trigger_events WHERE event_id = ?`,
  selectEventByKey: `SELECT * FROM trigger_events WHERE trigger_name = ? AND fire_key = ?`,
  countEventsByStatus: `SELECT status, COUNT(*) AS n FROM trigger_events WHERE trigger_name = ? GROUP BY status`,
  /** Every trigger's ledger counts (statuses in order, as the one-trigger query gives them). */
  countAllEventsByStatus: `SELECT trigger_name, status, COUNT(*) AS n FROM trigger_events
    GROUP BY trigger_name, status ORDER BY trigger_name, status`,
  selectJournal: `SELECT * FROM trigger_journal WHERE trigger_name = ? AND seq > ? AND seq <= ? ORDER BY seq`,
  selectLease: `SELECT owner_id, epoch, expires_at, holder_host, holder_pid, holder_started
    FROM supervisor_lease WHERE id = 1`,
  insertCommand: `INSERT INTO trigger_commands (trigger_name, kind, payload_json, requested_at,
      fire_key)
    VALUES (@name, @kind, @payload, @at, @key)`,
  selectPendingCommands: `SELECT * FROM trigger_commands WHERE state = 'pending' ORDER BY seq LIMIT 100`,
  selectPendingCommandsOf: `SELECT * FROM trigger_commands WHERE state = 'pending'
    AND trigger_name IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT 100`,
  selectCommand: `SELECT * FROM trigger_commands WHERE seq = ?`,
  finishCommand: `UPDATE trigger_commands SET state = @state, done_at = @at, run_id = @runId, error = @error
    WHERE seq = @seq AND state = 'pending'`,
  insertLease: `INSERT INTO supervisor_lease (id, owner_id, epoch, expires_at, acquired_at,
    holder_host, holder_pid, holder_started) VALUES (1, @owner, 1, @expiresAt, @now, @host, @pid, @started)`,
  takeLease: `UPDATE supervisor_lease SET owner_id = @owner, epoch = epoch + 1, expires_at = @expiresAt,
    acquired_at = @now, holder_host = @host, holder_pid = @pid, holder_started = @started WHERE id = 1`,
  renewLease: `UPDATE supervisor_lease SET expires_at = @expiresAt
    WHERE id = 1 AND owner_id = @owner AND epoch = @epoch`,
  // Per-trigger leases (scale-out). A lease changes owner only once expired, and each
  // change bumps the epoch that fire-path commits are fenced by.
  upsertSupervisor: `INSERT INTO supervisors (owner_id, started_at, expires_at, holder_host, holder_pid,
    holder_started) VALUES (@owner, @now, @expiresAt, @host, @pid, @started)
    ON CONFLICT (owner_id) DO UPDATE SET expires_at = excluded.expires_at,
      holder_host = excluded.holder_host, holder_pid = excluded.holder_pid,
      holder_started = excluded.holder_started`,
  // A supervisor of this host whose process is gone: its row and its trigger leases
  // expire now, so the claim that follows takes its triggers at once (bumping epochs).
  selectHostSupervisors: `SELECT owner_id, holder_host, holder_pid, holder_started FROM supervisors
    WHERE holder_host = @host AND owner_id <> @owner AND expires_at > @now`,
  expireSupervisor: `UPDATE supervisors SET expires_at = @now WHERE owner_id = @owner`,
  expireTriggerLeasesOf: `UPDATE trigger_leases SET expires_at = @now
    WHERE owner_id = @owner AND expires_at > @now`,
  countLiveSupervisors: `SELECT COUNT(*) AS n FROM supervisors WHERE expires_at > @now`,
  deleteDeadSupervisors: `DELETE FROM supervisors WHERE expires_at <= @before`,
  deleteSupervisor: `DELETE FROM supervisors WHERE owner_id = ?`,
  countActivations: `SELECT COUNT(*) AS n FROM trigger_activations`,
  renewTriggerLeases: `UPDATE trigger_leases SET expires_at = @expiresAt WHERE owner_id = @owner`,
  selectOwnedLeases: `SELECT trigger_name, epoch FROM trigger_leases WHERE owner_id = ? ORDER BY trigger_name`,
  selectClaimable: `SELECT a.name AS name FROM trigger_activations a
    LEFT JOIN trigger_leases l ON l.trigger_name = a.name
    WHERE l.trigger_name IS NULL OR l.expires_at <= @now
    ORDER BY a.name`,
  claimTriggerLease: `INSERT INTO trigger_leases (trigger_name, owner_id, epoch, expires_at, acquired_at)
    VALUES (@name, @owner, 1, @expiresAt, @now)
    ON CONFLICT (trigger_name) DO UPDATE SET owner_id = excluded.owner_id, epoch = trigger_leases.epoch + 1,
      expires_at = excluded.expires_at, acquired_at = excluded.acquired_at
    WHERE trigger_leases.expires_at <= excluded.acquired_at
    RETURNING trigger_name, epoch`,
  // A release clears the owner too: the owner's next renewal (by owner) must not take it
  // back, and its fence no longer holds; the next claim bumps the epoch.
  releaseTriggerLease: `UPDATE trigger_leases SET expires_at = @now, owner_id = ''
    WHERE trigger_name = @name AND owner_id = @owner`,
  selectTriggerLeases: `SELECT trigger_name, owner_id, epoch, expires_at FROM trigger_leases ORDER BY trigger_name`,
  selectFenceRows: `SELECT trigger_name, owner_id, epoch FROM trigger_leases
    WHERE trigger_name IN (SELECT value FROM json_each(?))`,
} as const;

/** A `trigger_activations` row. */
export interface ActivationRow {
  readonly name: string;
  readonly dag_nsref: string;
  readonly trigger_type: string;
  readonly status: string;
  readonly last_run_at: string | null;
  readonly next_run_at: string | null;
  readonly last_run_id: string | null;
  readonly created_at: string;
  readonly activated_at: string | null;
  readonly config_json: string | null;
  readonly snapshot_json: string | null;
  readonly machine_version: number | null;
  readonly state: string | null;
  /** Since migration 7. */
  readonly status_note?: string | null;
  readonly status_by?: string | null;
  readonly status_at?: string | null;
  /** Since migration 10: the poll cursor as JSON text. */
  readonly poll_cursor?: string | null;
  /** Since migration 14: scheduled fires made against `maxFires`. */
  readonly fires_used?: number | string | null;
}

/** A `trigger_commands` row. */
export interface CommandRow {
  readonly seq: number;
  readonly trigger_name: string;
  readonly kind: string;
  readonly payload_json: string | null;
  readonly requested_at: string;
  readonly state: string;
  readonly done_at: string | null;
  readonly run_id: string | null;
  readonly error: string | null;
  /** Since migration 10: a fire command's key. */
  readonly fire_key?: string | null;
}

/**
 * Whether the lease row's holder is a process of this host that is gone (see
 * `holderGone`): its lease may be taken over at once.
 *
 * @example
 * ```ts
 * if (row.owner_id !== owner && expiresAt > now && !leaseHolderGone(row)) wait();
 * ```
 */
export function leaseHolderGone(row: LeaseRow): boolean {
  return holderGone({ host: row.holder_host, pid: row.holder_pid, started: row.holder_started });
}

/**
 * Whether a `supervisors` row's process (on this host) is gone.
 *
 * @example
 * ```ts
 * const gone = rows.filter(supervisorGone);
 * ```
 */
export function supervisorGone(row: HostSupervisorRow): boolean {
  return holderGone({ host: row.holder_host, pid: row.holder_pid, started: row.holder_started });
}

/** A `supervisors` row of this host, with its process identity. */
export interface HostSupervisorRow {
  readonly owner_id: string;
  readonly holder_host: string | null;
  readonly holder_pid: number | null;
  readonly holder_started: string | null;
}

/** The `supervisor_lease` row (the holder's identity only where selected). */
export interface LeaseRow {
  readonly owner_id: string;
  readonly epoch: number;
  readonly expires_at: string;
  readonly holder_host?: string | null;
  readonly holder_pid?: number | null;
  readonly holder_started?: string | null;
}

/** A `trigger_events` row. */
export interface EventRow {
  readonly event_id: string;
  readonly trigger_name: string;
  readonly fired_at: string;
  readonly scheduled_at: string | null;
  readonly run_id: string | null;
  readonly payload_json: string | null;
  readonly status: string;
  readonly error: string | null;
  readonly finished_at: string | null;
  /** Since migration 7 (`NULL` in rows written before). */
  readonly kind?: string | null;
  /** Since migration 10: an idempotent push's key. */
  readonly fire_key?: string | null;
  /** Since migration 12: the backfill that fired it. */
  readonly backfill_id?: string | null;
}

/** A `trigger_journal` row. */
export interface JournalRow {
  readonly seq: number;
  readonly trigger_name: string;
  readonly event_json: string;
  readonly state_after: string;
  readonly at: string;
}

/** A `trigger_leases` row. */
export interface TriggerLeaseRow {
  readonly trigger_name: string;
  readonly owner_id: string;
  readonly epoch: number;
  readonly expires_at: string;
}
