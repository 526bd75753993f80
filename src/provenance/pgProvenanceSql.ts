/**
 * Every SQL statement of the run history on PostgreSQL, in one place: the statements of
 * `provenanceSql.ts` with positional parameters (`$1`, `$2`, …). The tables and columns
 * are the same as on SQLite (`pgMigrations.ts`), so the rows map the same way.
 *
 * PostgreSQL has no rowid, so orders that SQLite breaks by rowid are broken here by
 * `run_id` (runs: a stable, total order, so paging cursors neither skip nor repeat a
 * run), by the DAG's order taken from the run's shape (nodes, done in code), and by the
 * physical row position `ctid` (edges: the table is insert-only, so that is the order
 * of insertion).
 */
export const pgProvenanceSql = {
  /** $1 run id, $2 labels, $3 inputs, $4 start times, $5 attempts (arrays, one element per node). */
  startNodes: `UPDATE node_executions AS n SET status = 'running', input_json = t.input,
    started_at = t.started_at, finished_at = NULL, error = NULL, attempt = t.attempt
    FROM unnest($2::text[], $3::text[], $4::text[], $5::integer[]) AS t(label, input, started_at, attempt)
    WHERE n.run_id = $1 AND n.node_label = t.label`,
  resumeRun: `UPDATE dag_runs SET status = 'running', finished_at = NULL, error = NULL WHERE run_id = $1`,
  /**
   * A run's start in ONE statement (one round trip): the run row, and its node rows with
   * the starting ones already `running` (a data-modifying CTE cannot update rows its own
   * statement inserts, so they are inserted in their started state).
   * $1–$8 as `insertRun`; $9 labels, $10 is_source, $11 is_sink (one per node);
   * $12 starting labels, $13 inputs, $14 start times, $15 attempts.
   */
  startRun: `WITH run AS (
      INSERT INTO dag_runs (run_id, dag_nsref, parent_run_id, status, started_at,
        source_inputs_json, dag_fingerprint, dag_shape_json, expansion_key)
      VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8)
    )
    INSERT INTO node_executions (run_id, node_label, status, is_source, is_sink, attempt,
      input_json, started_at)
    SELECT $1, t.label, CASE WHEN s.label IS NULL THEN 'pending' ELSE 'running' END,
      t.is_source, t.is_sink, COALESCE(s.attempt, 0), s.input, s.started_at
    FROM unnest($9::text[], $10::integer[], $11::integer[]) WITH ORDINALITY AS t(label, is_source, is_sink, n)
    LEFT JOIN unnest($12::text[], $13::text[], $14::text[], $15::integer[]) AS s(label, input, started_at, attempt)
      ON s.label = t.label
    ORDER BY t.n`,
  /**
   * A node's output, its edges and the nodes it starts, in ONE statement (the rows
   * differ, so the CTEs do not step on each other).
   * $1 run id, $2 label, $3 status, $4 output, $5 finished at; $6 upstream and $7
   * downstream labels; $8 starting labels, $9 inputs, $10 start times, $11 attempts;
   * $12 the run a cached output came from.
   */
  completeNodeAndStart: `WITH done AS (
      UPDATE node_executions SET status = $3, output_json = $4, finished_at = $5, error = NULL,
        cached_from_run_id = $12
      WHERE run_id = $1 AND node_label = $2
    ), edges AS (
      INSERT INTO edge_traversals (run_id, upstream_label, downstream_label, traversed_at)
      SELECT $1, e.upstream, e.downstream, $5
      FROM unnest($6::text[], $7::text[]) WITH ORDINALITY AS e(upstream, downstream, n)
      ORDER BY e.n
    )
    UPDATE node_executions AS n SET status = 'running', input_json = t.input,
      started_at = t.started_at, finished_at = NULL, error = NULL, attempt = t.attempt
    FROM unnest($8::text[], $9::text[], $10::text[], $11::integer[]) AS t(label, input, started_at, attempt)
    WHERE n.run_id = $1 AND n.node_label = t.label`,
  /**
   * A run's end with the nodes that ended without output, in ONE statement.
   * $1 run id, $2 status, $3 finished at, $4 outputs, $5 error; $6 labels, $7 statuses,
   * $8 errors, $9 finish times (one per ended node).
   */
  endRun: `WITH ended AS (
      UPDATE node_executions AS n SET status = t.status, error = t.error, finished_at = t.finished_at
      FROM unnest($6::text[], $7::text[], $8::text[], $9::text[]) AS t(label, status, error, finished_at)
      WHERE n.run_id = $1 AND n.node_label = t.label
    ), left_running AS (
      -- A run that ends leaves no node running (one started by a process that died, in a
      -- run stopped before it was launched again). Disjoint from the rows above.
      UPDATE node_executions SET status = 'interrupted', finished_at = $3
      WHERE run_id = $1 AND status = 'running'
        AND NOT (node_label = ANY($6::text[]))
    )
    UPDATE dag_runs SET status = $2, finished_at = $3, sink_outputs_json = $4, error = $5
    WHERE run_id = $1`,
  /**
   * A fresh output of a cached node; a key seen again (its entry expired) is replaced.
   * $1 key, $2 nsref, $3 version, $4 output, $5 run id, $6 created at, $7 expires at.
   */
  putCache: `INSERT INTO node_cache (cache_key, nsref, version, output_json, run_id, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (cache_key) DO UPDATE SET nsref = excluded.nsref, version = excluded.version,
    output_json = excluded.output_json, run_id = excluded.run_id, created_at = excluded.created_at,
    expires_at = excluded.expires_at`,
  /** $1 key, $2 now. */
  getCache: `SELECT output_json, run_id, created_at, expires_at FROM node_cache
    WHERE cache_key = $1 AND expires_at > $2`,
  selectRun: `SELECT * FROM dag_runs WHERE run_id = $1`,
  /** $1 an array of run ids. */
  selectRunStatuses: `SELECT run_id, status FROM dag_runs WHERE run_id = ANY($1::text[])`,
  /** $1 an array of run ids. Ordered in code by each run's shape. */
  selectNodesOfRuns: `SELECT * FROM node_executions WHERE run_id = ANY($1::text[])`,
  /** $1 an array of run ids. */
  selectEdgesOfRuns: `SELECT run_id, upstream_label, downstream_label FROM edge_traversals
    WHERE run_id = ANY($1::text[]) ORDER BY traversed_at, ctid`,
  selectChildren: `SELECT * FROM dag_runs WHERE parent_run_id = $1 ORDER BY started_at, run_id`,
  /** Each expansion key's latest run. */
  selectChildrenForResume: `SELECT DISTINCT ON (expansion_key) run_id, expansion_key, status,
    dag_fingerprint, sink_outputs_json
    FROM dag_runs WHERE parent_run_id = $1 AND expansion_key IS NOT NULL
    ORDER BY expansion_key, started_at DESC, run_id DESC`,
  selectUnfinished: `SELECT * FROM dag_runs WHERE status = 'running' ORDER BY started_at, run_id`,
  /**
   * Built with optional filters; parameters in order: nsref, status, before, limit.
   * `before` is a time (`started_at < $n`) or a run, the cursor of the order below
   * (`started_at`, `run_id`): two parameters, its start time and its run id.
   */
  selectRecent: (filters: {
    dagNsref: boolean;
    status: boolean;
    before: "none" | "time" | "run";
  }): string => {
    let n = 0;
    const next = () => `$${++n}`;
    const where: string[] = [];
    if (filters.dagNsref) where.push(`dag_nsref = ${next()}`);
    if (filters.status) where.push(`status = ${next()}`);
    if (filters.before === "time") where.push(`started_at < ${next()}`);
    if (filters.before === "run") {
      const at = next();
      const id = next();
      where.push(`(started_at < ${at} OR (started_at = ${at} AND run_id < ${id}))`);
    }
    const limit = next();
    return `SELECT * FROM dag_runs${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY started_at DESC, run_id DESC LIMIT ${limit}`;
  },
} as const;
