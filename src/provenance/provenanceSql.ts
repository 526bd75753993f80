/**
 * Every SQL statement of the run history, in one place. Times are ISO-8601 UTC text
 * (they sort as text); values are JSON text in the form `jsonValue.ts` documents.
 */
export const provenanceSql = {
  insertRun: `INSERT INTO dag_runs (run_id, dag_nsref, parent_run_id, status, started_at,
    source_inputs_json, dag_fingerprint, dag_shape_json, expansion_key)
    VALUES (@runId, @dagNsref, @parentRunId, 'running', @startedAt, @input, @fingerprint, @shape, @expansionKey)`,
  /**
   * A new run's node rows in one statement, `count` rows of eight placeholders each (run
   * id, label, status, is_source, is_sink, attempt, input, started_at): the nodes that
   * start with the run are inserted `running`, the rest `pending`. One statement instead
   * of an insert per node and an update per start.
   */
  insertNodes: (count: number) =>
    `INSERT INTO node_executions (run_id, node_label, status, is_source, is_sink, attempt, input_json, started_at) VALUES ${Array.from({ length: count }, () => "(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
  startNode: `UPDATE node_executions SET status = 'running', input_json = @input, started_at = @startedAt,
    finished_at = NULL, error = NULL, attempt = @attempt WHERE run_id = @runId AND node_label = @label`,
  completeNode: `UPDATE node_executions SET status = @status, output_json = @output, finished_at = @finishedAt,
    error = NULL, cached_from_run_id = @cachedFrom WHERE run_id = @runId AND node_label = @label`,
  /** A fresh output of a cached node; a key seen again (its entry expired) is replaced. */
  putCache: `INSERT INTO node_cache (cache_key, nsref, version, output_json, run_id, created_at, expires_at)
    VALUES (@key, @nsref, @version, @output, @runId, @createdAt, @expiresAt)
    ON CONFLICT (cache_key) DO UPDATE SET nsref = excluded.nsref, version = excluded.version,
    output_json = excluded.output_json, run_id = excluded.run_id, created_at = excluded.created_at,
    expires_at = excluded.expires_at`,
  getCache: `SELECT output_json, run_id, created_at, expires_at FROM node_cache
    WHERE cache_key = ? AND expires_at > ?`,
  endNode: `UPDATE node_executions SET status = @status, error = @error, finished_at = @finishedAt
    WHERE run_id = @runId AND node_label = @label`,
  /**
   * A run that ends leaves no node `running`: a node started by a process that died, in a
   * run the next process stopped before launching it again, ends with the run.
   */
  endLeftRunning: `UPDATE node_executions SET status = 'interrupted', finished_at = @finishedAt
    WHERE run_id = @runId AND status = 'running'`,
  insertEdge: `INSERT INTO edge_traversals (run_id, upstream_label, downstream_label, traversed_at)
    VALUES (@runId, @from, @to, @at)`,
  resumeRun: `UPDATE dag_runs SET status = 'running', finished_at = NULL, error = NULL WHERE run_id = ?`,
  finishRun: `UPDATE dag_runs SET status = @status, finished_at = @finishedAt, sink_outputs_json = @outputs,
    error = @error WHERE run_id = @runId`,
  selectRun: `SELECT * FROM dag_runs WHERE run_id = ?`,
  /** ? a JSON array of run ids. */
  selectRunStatuses: `SELECT run_id, status FROM dag_runs WHERE run_id IN (SELECT value FROM json_each(?))`,
  selectNodes: `SELECT * FROM node_executions WHERE run_id = ? ORDER BY rowid`,
  selectEdges: `SELECT upstream_label, downstream_label FROM edge_traversals WHERE run_id = ? ORDER BY rowid`,
  selectChildren: `SELECT * FROM dag_runs WHERE parent_run_id = ? ORDER BY started_at, rowid`,
  /** Oldest first, so that folding into a map by key keeps each key's latest run. */
  selectChildrenForResume: `SELECT run_id, expansion_key, status, dag_fingerprint, sink_outputs_json
    FROM dag_runs WHERE parent_run_id = ? AND expansion_key IS NOT NULL ORDER BY rowid`,
  selectUnfinished: `SELECT * FROM dag_runs WHERE status = 'running' ORDER BY started_at, rowid`,
  /**
   * Built with optional filters; `?` placeholders in order: nsref, status, before, limit.
   * `before` is a time (`started_at < ?`) or a run, the cursor of the order below
   * (`started_at`, `rowid`): three placeholders, its start time twice and its run id.
   */
  selectRecent: (filters: {
    dagNsref: boolean;
    status: boolean;
    before: "none" | "time" | "run";
  }) =>
    `SELECT * FROM dag_runs WHERE 1 = 1${filters.dagNsref ? " AND dag_nsref = ?" : ""}${
      filters.status ? " AND status = ?" : ""
    }${
      filters.before === "time"
        ? " AND started_at < ?"
        : filters.before === "run"
          ? " AND (started_at < ? OR (started_at = ? AND rowid < (SELECT rowid FROM dag_runs WHERE run_id = ?)))"
          : ""
    } ORDER BY started_at DESC, rowid DESC LIMIT ?`,
} as const;

/** A `dag_runs` row as SQLite returns it. */
export interface DagRunRow {
  readonly run_id: string;
  readonly dag_nsref: string | null;
  readonly parent_run_id: string | null;
  readonly status: string;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly source_inputs_json: string | null;
  readonly sink_outputs_json: string | null;
  readonly dag_fingerprint: string | null;
  readonly dag_shape_json: string | null;
  readonly expansion_key: string | null;
  readonly error: string | null;
}

/** A `node_executions` row as SQLite returns it. */
export interface NodeExecutionRow {
  readonly run_id: string;
  readonly node_label: string;
  readonly status: string;
  readonly is_source: number;
  readonly is_sink: number;
  readonly input_json: string | null;
  readonly output_json: string | null;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly error: string | null;
  readonly attempt: number;
  /** The run a `cached` node's output came from (schema version 8). */
  readonly cached_from_run_id?: string | null;
}

/** A `node_cache` row as a lookup reads it. */
export interface NodeCacheRow {
  readonly output_json: string | null;
  readonly run_id: string;
  readonly created_at: string;
  readonly expires_at: string;
}
