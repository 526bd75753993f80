/**
 * One numbered step of the database schema. Applied once, in its own `BEGIN IMMEDIATE`
 * transaction, and recorded in the `schema_version` table.
 *
 * @example
 * ```ts
 * const m: Migration = { version: 2, name: "triggers", sql: "CREATE TABLE t (x TEXT);" };
 * ```
 */
export interface Migration {
  /** 1, 2, 3, …: strictly increasing, no gaps. */
  readonly version: number;
  /** A short name, recorded in `schema_version.name`. */
  readonly name: string;
  /** One or more SQL statements, run as one script. */
  readonly sql: string;
}

/**
 * The schema of a tickflow database, in order.
 *
 * Append only: a released migration is never edited or renumbered, because databases in
 * the field have already applied it; change the schema with a new migration at the end.
 * The highest version here is the highest schema version this tickflow can open.
 *
 * Conventions: times are ISO-8601 UTC text with milliseconds
 * (`new Date(ms).toISOString()`), so they sort as text; JSON values are TEXT columns
 * ending in `_json`; column names keep the seed's snake_case.
 *
 * @example
 * ```ts
 * const latest = migrations[migrations.length - 1]?.version; // the supported version
 * ```
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "provenance",
    // The run history: one row per DAG run, one per node execution, one per edge
    // traversal. The seed fixes these names; dag_fingerprint, dag_shape_json,
    // expansion_key, error and attempt are tickflow's additions (replay checks, the DAG's
    // shape for inspection, fan-out keys, failures, retries).
    sql: `
CREATE TABLE dag_runs (
  run_id TEXT NOT NULL PRIMARY KEY,
  dag_nsref TEXT,
  parent_run_id TEXT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NULL,
  source_inputs_json TEXT,
  sink_outputs_json TEXT,
  dag_fingerprint TEXT,
  dag_shape_json TEXT,
  expansion_key TEXT NULL,
  error TEXT NULL
);

CREATE TABLE node_executions (
  run_id TEXT NOT NULL,
  node_label TEXT NOT NULL,
  status TEXT NOT NULL,
  is_source INTEGER NOT NULL,
  is_sink INTEGER NOT NULL,
  input_json TEXT,
  output_json TEXT,
  started_at TEXT,
  finished_at TEXT,
  error TEXT,
  attempt INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (run_id, node_label)
);

CREATE TABLE edge_traversals (
  run_id TEXT NOT NULL,
  upstream_label TEXT NOT NULL,
  downstream_label TEXT NOT NULL,
  traversed_at TEXT NOT NULL
);

CREATE INDEX idx_dag_runs_nsref_started ON dag_runs (dag_nsref, started_at);
CREATE INDEX idx_dag_runs_status ON dag_runs (status);
CREATE INDEX idx_dag_runs_parent ON dag_runs (parent_run_id);
CREATE INDEX idx_dag_runs_started ON dag_runs (started_at);
CREATE INDEX idx_edge_traversals_run ON edge_traversals (run_id);
`,
  },
  {
    version: 2,
    name: "triggers",
    // The trigger database: activation records and the fire ledger with the seed's names,
    // plus what makes restarts exact: the machine snapshot and state on the activation
    // row, the journal of machine events, the tick's scheduled instant, and the unique
    // key that allows one ledger row per tick (NULL scheduled_at = a push/manual fire).
    sql: `
CREATE TABLE trigger_activations (
  name TEXT NOT NULL PRIMARY KEY,
  dag_nsref TEXT NOT NULL,
  trigger_type TEXT NOT NULL,
  status TEXT NOT NULL,
  last_run_at TEXT NULL,
  next_run_at TEXT NULL,
  last_run_id TEXT NULL,
  created_at TEXT NOT NULL,
  config_json TEXT,
  activated_at TEXT NULL,
  snapshot_json TEXT NULL,
  machine_version INTEGER NULL,
  state TEXT NULL
);

CREATE TABLE trigger_events (
  event_id TEXT NOT NULL PRIMARY KEY,
  trigger_name TEXT NOT NULL,
  fired_at TEXT NOT NULL,
  scheduled_at TEXT NULL,
  run_id TEXT NULL,
  payload_json TEXT,
  status TEXT NOT NULL,
  error TEXT NULL,
  finished_at TEXT NULL
);

CREATE UNIQUE INDEX uq_trigger_events_tick ON trigger_events (trigger_name, scheduled_at)
  WHERE scheduled_at IS NOT NULL;
CREATE INDEX idx_trigger_events_fired ON trigger_events (trigger_name, fired_at);
CREATE INDEX idx_trigger_events_run ON trigger_events (run_id);

CREATE TABLE trigger_journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  trigger_name TEXT NOT NULL,
  event_json TEXT NOT NULL,
  state_after TEXT NOT NULL,
  at TEXT NOT NULL
);

CREATE INDEX idx_trigger_journal_trigger ON trigger_journal (trigger_name, seq);
`,
  },
  {
    version: 3,
    name: "supervisor lease",
    // One supervisor fires per database: the holder of this row's lease, renewed by a
    // heartbeat. Taking over bumps the epoch, and every commit of the fire path checks
    // owner and epoch in the same transaction (fencing), so a supervisor that lost its
    // lease while paused cannot write a fire.
    sql: `
CREATE TABLE supervisor_lease (
  id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  owner_id TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  expires_at TEXT NOT NULL,
  acquired_at TEXT NOT NULL
);
`,
  },
  {
    version: 4,
    name: "trigger commands",
    // Requests from outside the supervisor (the CLI's activate, deactivate, fire). A
    // running leader keeps its machines in memory, so others never write its triggers'
    // rows: they queue a command; the leader polls pending rows about once a second and
    // marks each done in the same transaction as the machine step it caused.
    sql: `
CREATE TABLE trigger_commands (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  trigger_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload_json TEXT NULL,
  requested_at TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  done_at TEXT NULL,
  run_id TEXT NULL,
  error TEXT NULL
);

CREATE INDEX idx_trigger_commands_pending ON trigger_commands (state, seq);
`,
  },
  {
    version: 5,
    name: "trigger leases",
    // Scale-out: several supervisors share one database's triggers. Each trigger is owned
    // through its own lease row (owner, fencing epoch bumped on every change of owner,
    // expiry renewed by the owner's heartbeat); every fire-path commit checks the rows of
    // the triggers it writes. The supervisors table holds one row per live supervisor
    // (renewed with its leases) so each can compute its fair share of the triggers.
    sql: `
CREATE TABLE trigger_leases (
  trigger_name TEXT NOT NULL PRIMARY KEY,
  owner_id TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  expires_at TEXT NOT NULL,
  acquired_at TEXT NOT NULL
);

CREATE INDEX idx_trigger_leases_owner ON trigger_leases (owner_id);

CREATE TABLE supervisors (
  owner_id TEXT NOT NULL PRIMARY KEY,
  started_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
`,
  },
  {
    version: 6,
    name: "lease holder identity",
    // Who holds the database lease beyond its owner id: host, pid and the process's start
    // identity. A restart on the same host takes the lease over at once (bumping the
    // epoch) when that process is gone, instead of waiting out a dead holder's lease; a
    // live holder, or one on another host, is still waited for. NULL (a lease from before
    // this migration) counts as alive. The supervisors table records the same for shared
    // triggers.
    sql: `
ALTER TABLE supervisor_lease ADD COLUMN holder_host TEXT NULL;
ALTER TABLE supervisor_lease ADD COLUMN holder_pid INTEGER NULL;
ALTER TABLE supervisor_lease ADD COLUMN holder_started TEXT NULL;
ALTER TABLE supervisors ADD COLUMN holder_host TEXT NULL;
ALTER TABLE supervisors ADD COLUMN holder_pid INTEGER NULL;
ALTER TABLE supervisors ADD COLUMN holder_started TEXT NULL;
`,
  },
  {
    version: 7,
    name: "fire kinds and status notes",
    // Tick context and pause notes (issue 16): each ledger row says why it fired (kind:
    // tick, catchUp, backfill, push, manual; NULL for rows written before), and each
    // activation the note of its last status change (who, why, when; NULL when none).
    sql: `
ALTER TABLE trigger_events ADD COLUMN kind TEXT NULL;
ALTER TABLE trigger_activations ADD COLUMN status_note TEXT NULL;
ALTER TABLE trigger_activations ADD COLUMN status_by TEXT NULL;
ALTER TABLE trigger_activations ADD COLUMN status_at TEXT NULL;
`,
  },
  {
    version: 8,
    name: "node cache",
    // Cached nodes (issue 17): a registered function's output reused for an equal
    // input within its TTL. One row per key (hash of nsref, version and input), the run
    // that computed it, and created_at/expires_at so retention can prune it by age. A
    // node execution that reused one is 'cached' and names that run.
    sql: `
CREATE TABLE node_cache (
  cache_key TEXT NOT NULL PRIMARY KEY,
  nsref TEXT NOT NULL,
  version TEXT NOT NULL,
  output_json TEXT,
  run_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE INDEX idx_node_cache_expires ON node_cache (expires_at);

ALTER TABLE node_executions ADD COLUMN cached_from_run_id TEXT NULL;
`,
  },
  {
    version: 9,
    name: "retention checkpoints",
    // Journal compaction: before a trigger's old journal rows are deleted, the machine
    // snapshot at the last deleted sequence is stored here, so a replay starts from it
    // and still ends at the stored snapshot. One row per trigger (the latest
    // compaction). The run-history index serves pruning runs by age.
    sql: `
CREATE TABLE trigger_checkpoints (
  trigger_name TEXT NOT NULL PRIMARY KEY,
  seq INTEGER NOT NULL,
  snapshot_json TEXT NOT NULL,
  machine_version INTEGER NOT NULL,
  state TEXT NOT NULL,
  at TEXT NULL,
  pruned_at TEXT NOT NULL
);

CREATE INDEX idx_dag_runs_finished ON dag_runs (finished_at);
`,
  },
  {
    version: 10,
    name: "poll cursors",
    // Poll cursors (issue 17): the last committed cursor of a poll trigger, as JSON text
    // (NULL: none yet). Written in the same transaction as the fire (or poll_empty row)
    // it came with, so a crash can neither lose nor repeat a cursor step.
    sql: `
ALTER TABLE trigger_activations ADD COLUMN poll_cursor TEXT NULL;
`,
  },
  {
    version: 11,
    name: "fire keys",
    // Idempotent pushes (issue 17): a push's key, unique per trigger, so a second fire
    // with it fails inside its own commit whichever process makes it. NULL for fires
    // without a key (NULLs never collide). Kept as long as the ledger row. A fire
    // command queued for a running supervisor (tickflow fire --key) carries its key.
    sql: `
ALTER TABLE trigger_events ADD COLUMN fire_key TEXT NULL;

ALTER TABLE trigger_commands ADD COLUMN fire_key TEXT NULL;

CREATE UNIQUE INDEX uq_trigger_events_key ON trigger_events (trigger_name, fire_key);
`,
  },
  {
    version: 12,
    name: "backfills",
    // Backfill (issue 16): a backfill's range, position (the last tick it handled: fired,
    // or found on record) and status, advanced in the same transaction as the ledger row
    // of each tick it fires (the write-ahead commit), so a crash neither repeats nor loses
    // one. A backfill's ledger rows name it (backfill_id): the one-row-per-tick key now
    // holds for rows outside a backfill, and each backfill fires a tick at most once
    // (a refire sits beside the tick's first row).
    sql: `
CREATE TABLE trigger_backfills (
  backfill_id TEXT NOT NULL PRIMARY KEY,
  trigger_name TEXT NOT NULL,
  from_at TEXT NOT NULL,
  to_at TEXT NOT NULL,
  position_at TEXT NULL,
  refire INTEGER NOT NULL,
  overlap INTEGER NOT NULL,
  status TEXT NOT NULL,
  fired INTEGER NOT NULL,
  skipped INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT NULL
);

CREATE INDEX idx_trigger_backfills_trigger ON trigger_backfills (trigger_name, status);

ALTER TABLE trigger_events ADD COLUMN backfill_id TEXT NULL;

DROP INDEX uq_trigger_events_tick;

CREATE UNIQUE INDEX uq_trigger_events_tick ON trigger_events (trigger_name, scheduled_at)
  WHERE scheduled_at IS NOT NULL AND backfill_id IS NULL;

CREATE UNIQUE INDEX uq_trigger_events_backfill ON trigger_events (trigger_name, scheduled_at, backfill_id)
  WHERE backfill_id IS NOT NULL;

CREATE INDEX idx_trigger_events_tick ON trigger_events (trigger_name, scheduled_at);
`,
  },
  {
    version: 13,
    name: "triggers as data",
    // Triggers as data (issue 16): trigger definitions created, changed and removed at
    // run time. `trigger_definition_journal` keeps every change (append only); its `seq`
    // is the `version` of the definition row it wrote, so a supervisor reads what
    // changed since the highest version it has seen. A removed definition keeps its row
    // (`definition_json` NULL, `removed_at` set): its history stays, and every
    // supervisor sees the removal as a new version.
    sql: `
CREATE TABLE trigger_definition_journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  trigger_name TEXT NOT NULL,
  action TEXT NOT NULL,
  definition_json TEXT NULL,
  changed_by TEXT NULL,
  at TEXT NOT NULL
);

CREATE INDEX idx_trigger_definition_journal_name ON trigger_definition_journal (trigger_name, seq);

CREATE TABLE trigger_definitions (
  name TEXT NOT NULL PRIMARY KEY,
  definition_json TEXT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  changed_by TEXT NULL,
  removed_at TEXT NULL
);

CREATE INDEX idx_trigger_definitions_version ON trigger_definitions (version);
`,
  },
  {
    version: 14,
    name: "fire limits",
    // maxFires (issue 16, item 7): how many scheduled fires (tick, catchUp) the trigger
    // made while it had a maxFires limit. Incremented in the write-ahead commit of the
    // fire's own ledger row, so a crash can neither repeat a fire past the limit nor lose
    // a count; the remaining fires are maxFires minus it.
    sql: `
ALTER TABLE trigger_activations ADD COLUMN fires_used INTEGER NOT NULL DEFAULT 0;
`,
  },
];
