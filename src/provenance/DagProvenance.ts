import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type { StoreFailure } from "../store/errors.js";
import { GroupedWrites } from "../store/GroupedWrites.js";
import { isPostgresUrl } from "../store/isPostgresUrl.js";
import { PgGroupedWrites } from "../store/PgGroupedWrites.js";
import { PgStore, type PgStoreOptions } from "../store/PgStore.js";
import { runTyped } from "../store/runTyped.js";
import { SqliteStore, type SqliteStoreOptions } from "../store/SqliteStore.js";
import { storeEffect as attempt } from "../store/storeEffect.js";
import { applyHistorySqlite, type HistoryWrite, historyOperation } from "./HistoryWrite.js";
import { makePgProvenanceService, PgHistory, pgEffect } from "./PgProvenanceService.js";
import {
  Provenance,
  type ProvenanceService,
  type RunStatus,
  type WriteGuard,
} from "./Provenance.js";
import {
  type DagRunRow,
  type NodeCacheRow,
  type NodeExecutionRow,
  provenanceSql as sql,
} from "./provenanceSql.js";
import {
  type ChildRunRow,
  cacheHitOf,
  childRunsOf,
  type EdgeRow,
  iso,
  type NodeRecord,
  nodeRecordsOf,
  type RecentRunsQuery,
  type RunRecord,
  runRecordOf,
  storedRunStateOf,
} from "./records.js";
import {
  countExpiredCachePg,
  countExpiredCacheSqlite,
  countPrunableRunsPg,
  countPrunableRunsSqlite,
  pruneExpiredCachePg,
  pruneExpiredCacheSqlite,
  pruneRunsPg,
  pruneRunsSqlite,
} from "./runRetention.js";

export type { NodeRecord, RecentRunsQuery, RunRecord } from "./records.js";

/**
 * Run history on SQLite or PostgreSQL (the seed's `dag_runs`, `node_executions` and
 * `edge_traversals` tables): implements the `Provenance` service that `DagRunner`
 * writes through, and answers queries about past runs. On SQLite several objects may
 * share one file (WAL), and a `TriggerStore` may use the same file; on PostgreSQL
 * several processes share one database.
 *
 * @example
 * ```ts
 * const provenance = new DagProvenance("./data/provenance.db");
 * // or: new DagProvenance("postgres://tickflow@db.internal:5432/tickflow")
 * const result = await new DagRunner(dag, { provenance }).run({});
 * const run = await provenance.getRun(result.runId);
 * ```
 */
export class DagProvenance {
  /** The PostgreSQL store underneath, when the history is on PostgreSQL; else `undefined`. */
  readonly pg: PgStore | undefined;
  /** Where the history is: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  /** The `Provenance` service on this database. */
  readonly service: ProvenanceService;
  /** A layer providing `Provenance` from this object. */
  readonly layer: Layer.Layer<Provenance>;

  readonly #sqlite: SqliteStore | undefined;
  readonly #history: PgHistory | undefined;

  /**
   * Uses the PostgreSQL database at `url` (`postgres://…`), or a connected `PgStore`.
   * Connects lazily: the first write or query connects and migrates, and fails with the
   * store's typed errors (`DatabaseUnreachable`, `SchemaTooNew`, …).
   */
  constructor(urlOrStore: string | PgStore, options?: PgStoreOptions);
  /**
   * Opens (creating if needed) the SQLite database at `path`, or uses an open store.
   * Throws the store's typed errors (`NotADatabase`, `SchemaTooNew`, …). (Declared last
   * so that `ConstructorParameters<typeof DagProvenance>[1]` is the SQLite options.)
   */
  constructor(pathOrStore: string | SqliteStore, options?: SqliteStoreOptions);
  constructor(
    source: string | SqliteStore | PgStore,
    options: SqliteStoreOptions & PgStoreOptions = {},
  ) {
    if (source instanceof PgStore || (typeof source === "string" && isPostgresUrl(source))) {
      const pg = typeof source === "string" ? PgStore.connect(source, options) : source;
      this.pg = pg;
      this.#history = new PgHistory(pg);
      this.location = pg.location;
      this.service = makePgProvenanceService(pg, new PgGroupedWrites(pg));
    } else {
      const store = typeof source === "string" ? SqliteStore.open(source, options) : source;
      this.#sqlite = store;
      this.location = store.path;
      this.service = makeService(store, new GroupedWrites(store));
    }
    this.layer = Layer.succeed(Provenance, this.service);
  }

  /**
   * The SQLite store underneath (its `commitCount` counts commits). Throws a plain
   * `Error` when the history is on PostgreSQL: use {@link DagProvenance.pg} there.
   */
  get store(): SqliteStore {
    if (this.#sqlite === undefined) {
      throw new Error(
        `DagProvenance.store is the SQLite store, but this run history is on PostgreSQL (${this.location}); use DagProvenance.pg`,
      );
    }
    return this.#sqlite;
  }

  /** `"sqlite"` or `"postgres"`: where this history is kept. */
  get backend(): "sqlite" | "postgres" {
    return this.pg === undefined ? "sqlite" : "postgres";
  }

  /**
   * The Effect form: a scoped layer that opens the SQLite file (or connects to the
   * PostgreSQL URL and migrates) and closes it at the end.
   *
   * @example
   * ```ts
   * program.pipe(Effect.provide(DagProvenance.layer("./data/provenance.db")));
   * ```
   */
  static layer(
    path: string,
    options: SqliteStoreOptions & PgStoreOptions = {},
  ): Layer.Layer<Provenance, StoreFailure> {
    if (isPostgresUrl(path)) {
      return Layer.scoped(
        Provenance,
        Effect.acquireRelease(
          Effect.suspend(() => {
            const pg = PgStore.connect(path, options);
            return pgEffect(pg, "open provenance", () => pg.ready()).pipe(
              Effect.tapError(() => Effect.promise(() => pg.close())),
              Effect.as(pg),
            );
          }),
          (pg) => Effect.promise(() => pg.close()),
        ).pipe(Effect.map((pg) => makePgProvenanceService(pg, new PgGroupedWrites(pg)))),
      );
    }
    return Layer.scoped(
      Provenance,
      Effect.acquireRelease(
        attempt(path, "open provenance", () => SqliteStore.open(path, options)),
        (store) => Effect.sync(() => store.close()),
      ).pipe(Effect.map((store) => makeService(store, new GroupedWrites(store)))),
    );
  }

  /**
   * A recorded run, or `undefined`. Inputs and outputs are decoded only with
   * `{ values: true }`.
   *
   * @example
   * ```ts
   * const run = await provenance.getRun(runId, { values: true });
   * ```
   */
  getRun(
    runId: string,
    options: { readonly values?: boolean } = {},
  ): Promise<RunRecord | undefined> {
    return runTyped(this.getRunEffect(runId, options));
  }

  /** The Effect form of `getRun`. */
  getRunEffect(
    runId: string,
    options: { readonly values?: boolean } = {},
  ): Effect.Effect<RunRecord | undefined, StoreFailure> {
    const values = options.values ?? false;
    return this.#read("get run", {
      pg: (history) => history.getRun(runId, values),
      sqlite: (store) => {
        const row = store.get<DagRunRow>("get run", sql.selectRun, [runId]);
        return row === undefined ? undefined : this.#toRecord(store, row, values);
      },
    });
  }

  /**
   * The status of each of `runIds` that the history holds, in one query (a run it does
   * not hold is not in the map): what `tickflow status` shows for 10,000 triggers'
   * last runs without reading each run.
   *
   * @example
   * ```ts
   * (await provenance.getRunStatuses(["run-1", "run-2"])).get("run-1"); // "completed"
   * ```
   */
  getRunStatuses(runIds: readonly string[]): Promise<ReadonlyMap<string, RunStatus>> {
    return runTyped(
      this.#read("get run statuses", {
        pg: (history) => history.getRunStatuses(runIds),
        sqlite: (store) =>
          new Map(
            store
              .all<{ run_id: string; status: string }>("get run statuses", sql.selectRunStatuses, [
                JSON.stringify(runIds),
              ])
              .map((row) => [row.run_id, row.status as RunStatus]),
          ),
      }),
    );
  }

  /**
   * The node executions of a run in the DAG's order (with inputs and outputs).
   *
   * @example
   * ```ts
   * for (const node of await provenance.getNodeExecutions(runId)) console.log(node.label, node.status);
   * ```
   */
  getNodeExecutions(runId: string): Promise<readonly NodeRecord[]> {
    return runTyped(
      this.#read("get node executions", {
        pg: (history) => history.getNodeExecutions(runId),
        sqlite: (store) => Object.values(this.#nodesOf(store, runId, true)),
      }),
    );
  }

  /**
   * The most recent runs first, filtered and paged (`limit` default 50).
   *
   * @example
   * ```ts
   * await provenance.getRecentRuns({ status: "failed", limit: 10 });
   * ```
   */
  getRecentRuns(query: RecentRunsQuery = {}): Promise<readonly RunRecord[]> {
    return runTyped(
      this.#read("get recent runs", {
        pg: (history) => history.getRecentRuns(query),
        sqlite: (store) => {
          const params: unknown[] = [];
          if (query.dagNsref !== undefined) params.push(query.dagNsref);
          if (query.status !== undefined) params.push(query.status);
          const before = query.before;
          if (before instanceof Date) params.push(before.toISOString());
          else if (before !== undefined) {
            const at = before.startedAt.toISOString();
            params.push(at, at, before.runId);
          }
          params.push(query.limit ?? 50);
          const text = sql.selectRecent({
            dagNsref: query.dagNsref !== undefined,
            status: query.status !== undefined,
            before: before === undefined ? "none" : before instanceof Date ? "time" : "run",
          });
          return store
            .all<DagRunRow>("get recent runs", text, params)
            .map((row) => this.#toRecord(store, row, false));
        },
      }),
    );
  }

  /**
   * Every run below this one (sub-DAG runs, and theirs), depth first.
   *
   * @example
   * ```ts
   * const children = await provenance.getChildRuns(parentRunId);
   * ```
   */
  getChildRuns(runId: string): Promise<readonly RunRecord[]> {
    return runTyped(
      this.#read("get child runs", {
        pg: (history) => history.getChildRuns(runId),
        sqlite: (store) => {
          const out: RunRecord[] = [];
          const walk = (parent: string) => {
            for (const row of store.all<DagRunRow>("get child runs", sql.selectChildren, [
              parent,
            ])) {
              out.push(this.#toRecord(store, row, false));
              walk(row.run_id);
            }
          };
          walk(runId);
          return out;
        },
      }),
    );
  }

  /**
   * Runs still marked `running`: after a crash, the ones a supervisor must resume.
   *
   * @example
   * ```ts
   * for (const run of await provenance.findUnfinishedRuns()) console.log(run.runId);
   * ```
   */
  findUnfinishedRuns(): Promise<readonly RunRecord[]> {
    return runTyped(
      this.#read("find unfinished runs", {
        pg: (history) => history.findUnfinishedRuns(),
        sqlite: (store) =>
          store
            .all<DagRunRow>("find unfinished runs", sql.selectUnfinished)
            .map((row) => this.#toRecord(store, row, false)),
      }),
    );
  }

  /**
   * Retention: deletes up to `limit` whole runs that finished before `before` (never one
   * in flight, nor one of `keep`) in one transaction checked by `guard` (the
   * supervisor's fence); resolves to how many top-level runs went.
   *
   * @example
   * ```ts
   * await provenance.pruneRuns(Date.now() - 30 * 86_400_000, 500);
   * ```
   */
  pruneRuns(
    before: number,
    limit: number,
    keep: readonly string[] = [],
    guard?: WriteGuard,
  ): Promise<number> {
    return runTyped(
      this.#read("prune runs", {
        pg: (history) => pruneRunsPg(history.store, before, limit, keep, guard),
        sqlite: (store) => pruneRunsSqlite(store, before, limit, keep, guard),
      }),
    );
  }

  /** How many top-level runs {@link DagProvenance.pruneRuns} would delete, without a limit. */
  countPrunableRuns(before: number, keep: readonly string[] = []): Promise<number> {
    return runTyped(
      this.#read("count prunable runs", {
        pg: (history) => countPrunableRunsPg(history.store, before, keep),
        sqlite: (store) => countPrunableRunsSqlite(store, before, keep),
      }),
    );
  }

  /**
   * Retention: deletes up to `limit` cached node outputs whose TTL ended before `now`, in
   * one transaction checked by `guard`; resolves to how many went.
   *
   * @example
   * ```ts
   * await provenance.pruneExpiredCache(Date.now(), 500);
   * ```
   */
  pruneExpiredCache(now: number, limit: number, guard?: WriteGuard): Promise<number> {
    return runTyped(
      this.#read("prune node cache", {
        pg: (history) => pruneExpiredCachePg(history.store, now, limit, guard),
        sqlite: (store) => pruneExpiredCacheSqlite(store, now, limit, guard),
      }),
    );
  }

  /** How many cached node outputs {@link DagProvenance.pruneExpiredCache} would delete. */
  countExpiredCache(now: number): Promise<number> {
    return runTyped(
      this.#read("count expired node cache", {
        pg: (history) => countExpiredCachePg(history.store, now),
        sqlite: (store) => countExpiredCacheSqlite(store, now),
      }),
    );
  }

  /**
   * Closes the database: the SQLite file at once (returns nothing), or the PostgreSQL
   * pool (returns a promise that settles once its connections are closed). Safe to call
   * twice on PostgreSQL.
   *
   * @example
   * ```ts
   * await provenance.close(); // fine for both backends
   * ```
   */
  close(): void | Promise<void> {
    if (this.pg !== undefined) return this.pg.close();
    this.store.close();
  }

  /**
   * {@link DagProvenance.close} as a promise, for both backends.
   *
   * @example
   * ```ts
   * await provenance.closeAsync();
   * ```
   */
  async closeAsync(): Promise<void> {
    await this.close();
  }

  /** A query on whichever backend this object uses, as an Effect with typed errors. */
  #read<A>(
    operation: string,
    on: {
      readonly pg: (history: PgHistory) => Promise<A>;
      readonly sqlite: (store: SqliteStore) => A;
    },
  ): Effect.Effect<A, StoreFailure> {
    const history = this.#history;
    if (history !== undefined) return pgEffect(history.store, operation, () => on.pg(history));
    const store = this.store;
    return attempt(store.path, operation, () => on.sqlite(store));
  }

  #toRecord(store: SqliteStore, row: DagRunRow, values: boolean): RunRecord {
    return runRecordOf(row, this.#nodesOf(store, row.run_id, values), values);
  }

  #nodesOf(store: SqliteStore, runId: string, values: boolean): Record<string, NodeRecord> {
    const edges = store.all<EdgeRow>("get edges", sql.selectEdges, [runId]);
    const rows = store.all<NodeExecutionRow>("get nodes", sql.selectNodes, [runId]);
    return nodeRecordsOf(rows, edges, values);
  }
}

function makeService(
  store: SqliteStore,
  grouped: GroupedWrites,
  guard?: WriteGuard,
): ProvenanceService {
  // Runs that write in the same turn (the runs of one second's ticks) share a commit;
  // each write is still on disk before its run goes on. A guarded copy shares the same
  // group and checks its guard first inside each write's savepoint.
  const write = (history: HistoryWrite) =>
    grouped.write(historyOperation[history.op], () => {
      guard?.sync();
      applyHistorySqlite(store, history);
    });
  return {
    guarded: (next) => makeService(store, grouped, next),
    runStarted: (run, starting) => write({ op: "runStarted", run, starting }),
    runResumed: (runId, starting) => write({ op: "runResumed", runId, starting }),
    nodesStarted: (runId, starting) => write({ op: "nodesStarted", runId, starting }),
    nodeCompleted: (runId, done, starting) => write({ op: "nodeCompleted", runId, done, starting }),
    runFinished: (runId, end) => write({ op: "runFinished", runId, end }),
    loadRunState: (runId) =>
      attempt(store.path, "load run state", () => {
        const row = store.get<DagRunRow>("load run", sql.selectRun, [runId]);
        if (row === undefined) return undefined;
        return storedRunStateOf(
          row,
          store.all<NodeExecutionRow>("load nodes", sql.selectNodes, [runId]),
        );
      }),
    cacheLookup: (key, now) =>
      attempt(store.path, "look up node cache", () => {
        const row = store.get<NodeCacheRow>("look up node cache", sql.getCache, [key, iso(now)]);
        return row === undefined ? undefined : cacheHitOf(row);
      }),
    loadChildRuns: (parentRunId) =>
      attempt(store.path, "load child runs", () => {
        const rows = store.all<ChildRunRow>("load child runs", sql.selectChildrenForResume, [
          parentRunId,
        ]);
        return childRunsOf(rows);
      }),
  };
}
