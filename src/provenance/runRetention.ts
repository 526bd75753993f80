import type { PgStore } from "../store/PgStore.js";
import type { SqliteStore } from "../store/SqliteStore.js";
import type { WriteGuard } from "./Provenance.js";

/**
 * Pruning the run history by age: whole top-level runs (with their child runs, node
 * executions and edges) that finished before a cut-off. Never a run in flight
 * (`running`, or `paused` and resumable), never a run in `keep` (the last run of each
 * trigger, which `status` and `explain` show). Cached node outputs (a later table) would
 * be pruned here too, by their own age, in the same batch.
 */
const statements = {
  sqlite: {
    select: `SELECT run_id FROM dag_runs WHERE parent_run_id IS NULL
      AND status NOT IN ('running', 'paused') AND finished_at IS NOT NULL
      AND finished_at < @before AND run_id NOT IN (SELECT value FROM json_each(@keep))
      ORDER BY finished_at LIMIT @limit`,
    count: `SELECT COUNT(*) AS n FROM dag_runs WHERE parent_run_id IS NULL
      AND status NOT IN ('running', 'paused') AND finished_at IS NOT NULL
      AND finished_at < @before AND run_id NOT IN (SELECT value FROM json_each(@keep))`,
    tree: `WITH RECURSIVE tree(run_id) AS (SELECT value FROM json_each(@ids)
      UNION ALL SELECT r.run_id FROM dag_runs r JOIN tree t ON r.parent_run_id = t.run_id)`,
  },
  pg: {
    select: `SELECT run_id FROM dag_runs WHERE parent_run_id IS NULL
      AND status NOT IN ('running', 'paused') AND finished_at IS NOT NULL
      AND finished_at < $1 AND NOT (run_id = ANY($2::text[]))
      ORDER BY finished_at LIMIT $3`,
    count: `SELECT COUNT(*) AS n FROM dag_runs WHERE parent_run_id IS NULL
      AND status NOT IN ('running', 'paused') AND finished_at IS NOT NULL
      AND finished_at < $1 AND NOT (run_id = ANY($2::text[]))`,
    tree: `WITH RECURSIVE tree(run_id) AS (SELECT unnest($1::text[])
      UNION ALL SELECT r.run_id FROM dag_runs r JOIN tree t ON r.parent_run_id = t.run_id)`,
  },
};

/** Child tables first: the tree is found through `dag_runs`, deleted last. */
const TABLES = ["node_executions", "edge_traversals", "dag_runs"] as const;

/** SQLite: deletes up to `limit` prunable runs in one transaction; returns how many. */
export function pruneRunsSqlite(
  store: SqliteStore,
  before: number,
  limit: number,
  keep: readonly string[],
  guard: WriteGuard | undefined,
): number {
  const s = statements.sqlite;
  return store.transaction("prune runs", () => {
    guard?.sync();
    const ids = store
      .all<{ run_id: string }>("find prunable runs", s.select, {
        before: new Date(before).toISOString(),
        keep: JSON.stringify(keep),
        limit,
      })
      .map((row) => row.run_id);
    if (ids.length === 0) return 0;
    for (const table of TABLES) {
      store.run(
        "prune runs",
        `${s.tree} DELETE FROM ${table} WHERE run_id IN (SELECT run_id FROM tree)`,
        {
          ids: JSON.stringify(ids),
        },
      );
    }
    return ids.length;
  });
}

/** SQLite: how many runs `pruneRunsSqlite` would delete without a limit. */
export function countPrunableRunsSqlite(
  store: SqliteStore,
  before: number,
  keep: readonly string[],
): number {
  return (
    store.get<{ n: number }>("count prunable runs", statements.sqlite.count, {
      before: new Date(before).toISOString(),
      keep: JSON.stringify(keep),
    })?.n ?? 0
  );
}

/** PostgreSQL: as {@link pruneRunsSqlite}, the guard (fence) checked on the transaction. */
export function pruneRunsPg(
  store: PgStore,
  before: number,
  limit: number,
  keep: readonly string[],
  guard: WriteGuard | undefined,
): Promise<number> {
  const s = statements.pg;
  return store.transaction("prune runs", async (tx) => {
    await guard?.onTransaction(tx);
    const rows = await tx.query<{ run_id: string }>("find prunable runs", s.select, [
      new Date(before).toISOString(),
      [...keep],
      limit,
    ]);
    const ids = rows.map((row) => row.run_id);
    if (ids.length === 0) return 0;
    for (const table of TABLES) {
      await tx.query(
        "prune runs",
        `${s.tree} DELETE FROM ${table} WHERE run_id IN (SELECT run_id FROM tree)`,
        [ids],
      );
    }
    return ids.length;
  });
}

/** PostgreSQL: how many runs `pruneRunsPg` would delete without a limit. */
export async function countPrunableRunsPg(
  store: PgStore,
  before: number,
  keep: readonly string[],
): Promise<number> {
  const [row] = await store.query<{ n: string | number }>(
    "count prunable runs",
    statements.pg.count,
    [new Date(before).toISOString(), [...keep]],
  );
  return Number(row?.n ?? 0);
}

/**
 * Cached node outputs past their TTL: never reused again (a lookup checks `expires_at`),
 * so retention deletes them, oldest first, `limit` at a time. A cached output outlives
 * the run that computed it (the row holds the output itself).
 */
const cacheStatements = {
  sqlite: {
    prune: `DELETE FROM node_cache WHERE cache_key IN (SELECT cache_key FROM node_cache
      WHERE expires_at < @now ORDER BY expires_at LIMIT @limit)`,
    count: "SELECT COUNT(*) AS n FROM node_cache WHERE expires_at < @now",
  },
  pg: {
    prune: `DELETE FROM node_cache WHERE cache_key IN (SELECT cache_key FROM node_cache
      WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)`,
    count: "SELECT COUNT(*) AS n FROM node_cache WHERE expires_at < $1",
  },
};

/** SQLite: deletes up to `limit` expired cached outputs in one transaction; returns how many. */
export function pruneExpiredCacheSqlite(
  store: SqliteStore,
  now: number,
  limit: number,
  guard: WriteGuard | undefined,
): number {
  return store.transaction("prune node cache", () => {
    guard?.sync();
    return store.run("prune node cache", cacheStatements.sqlite.prune, {
      now: new Date(now).toISOString(),
      limit,
    }).changes;
  });
}

/** SQLite: how many cached outputs have expired at `now`. */
export function countExpiredCacheSqlite(store: SqliteStore, now: number): number {
  return (
    store.get<{ n: number }>("count expired node cache", cacheStatements.sqlite.count, {
      now: new Date(now).toISOString(),
    })?.n ?? 0
  );
}

/** PostgreSQL: as {@link pruneExpiredCacheSqlite}, the guard (fence) checked on the transaction. */
export function pruneExpiredCachePg(
  store: PgStore,
  now: number,
  limit: number,
  guard: WriteGuard | undefined,
): Promise<number> {
  return store.transaction("prune node cache", async (tx) => {
    await guard?.onTransaction(tx);
    const rows = await tx.query<{ cache_key: string }>(
      "prune node cache",
      `${cacheStatements.pg.prune} RETURNING cache_key`,
      [new Date(now).toISOString(), limit],
    );
    return rows.length;
  });
}

/** PostgreSQL: how many cached outputs have expired at `now`. */
export async function countExpiredCachePg(store: PgStore, now: number): Promise<number> {
  const [row] = await store.query<{ n: string | number }>(
    "count expired node cache",
    cacheStatements.pg.count,
    [new Date(now).toISOString()],
  );
  return Number(row?.n ?? 0);
}
