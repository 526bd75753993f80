import * as Effect from "effect/Effect";
import type { StoreFailure } from "../store/errors.js";
import type { PgGroupedWrites } from "../store/PgGroupedWrites.js";
import type { PgStore } from "../store/PgStore.js";
import { storePromise } from "../store/storePromise.js";
import { applyHistoryPg } from "./applyHistoryPg.js";
import { type HistoryWrite, historyOperation } from "./HistoryWrite.js";
import type { DagShape, ProvenanceService, RunStatus, WriteGuard } from "./Provenance.js";
import { pgProvenanceSql as sql } from "./pgProvenanceSql.js";
import type { DagRunRow, NodeCacheRow, NodeExecutionRow } from "./provenanceSql.js";
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

/** A promise-returning call on `store` as an Effect failing with a typed store error. */
export const pgEffect = <A>(
  store: PgStore,
  operation: string,
  f: () => Promise<A>,
): Effect.Effect<A, StoreFailure> => storePromise(store.location, operation, f);

/**
 * The `Provenance` service on PostgreSQL. The writes of one turn share a transaction, and
 * each Effect succeeds only after the COMMIT that holds its write (write-ahead: a node's start is committed before its
 * function is called).
 *
 * @example
 * ```ts
 * const pg = PgStore.connect(url);
 * const service = makePgProvenanceService(pg, new PgGroupedWrites(pg));
 * ```
 */
export function makePgProvenanceService(
  store: PgStore,
  grouped: PgGroupedWrites,
  guard?: WriteGuard,
): ProvenanceService {
  // Runs that write in the same turn share a transaction (see PgGroupedWrites); a guarded
  // copy shares the same group and checks its guard first on the transaction.
  // Uninterruptible: an interrupted run waits for its write in flight to commit, so the
  // record of its interruption (written next) cannot be overtaken by it.
  const write = (history: HistoryWrite) =>
    Effect.uninterruptible(
      grouped.write(historyOperation[history.op], (tx) => applyHistoryPg(tx, history), guard),
    );
  return {
    guarded: (next) => makePgProvenanceService(store, grouped, next),
    runStarted: (run, starting) => write({ op: "runStarted", run, starting }),
    runResumed: (runId, starting) => write({ op: "runResumed", runId, starting }),
    nodesStarted: (runId, starting) => write({ op: "nodesStarted", runId, starting }),
    nodeCompleted: (runId, done, starting) => write({ op: "nodeCompleted", runId, done, starting }),
    runFinished: (runId, end) => write({ op: "runFinished", runId, end }),
    loadRunState: (runId) =>
      pgEffect(store, "load run state", async () => {
        const [row] = await store.query<DagRunRow>("load run", sql.selectRun, [runId]);
        if (row === undefined) return undefined;
        const nodes = await store.query<NodeExecutionRow>("load nodes", sql.selectNodesOfRuns, [
          [runId],
        ]);
        return storedRunStateOf(row, orderByShape(nodes, row.dag_shape_json));
      }),
    cacheLookup: (key, now) =>
      pgEffect(store, "look up node cache", async () => {
        const [row] = await store.query<NodeCacheRow>("look up node cache", sql.getCache, [
          key,
          iso(now),
        ]);
        return row === undefined ? undefined : cacheHitOf(row);
      }),
    loadChildRuns: (parentRunId) =>
      pgEffect(store, "load child runs", async () => {
        const rows = await store.query<ChildRunRow>(
          "load child runs",
          sql.selectChildrenForResume,
          [parentRunId],
        );
        return childRunsOf(rows);
      }),
  };
}

/** The label a shape entry (`label=nsref`) names. */
const labelOfShapeEntry = (entry: string): string => {
  const at = entry.lastIndexOf("=");
  return at < 0 ? entry : entry.slice(0, at);
};

/**
 * `rows` in the DAG's order (the order of the run's recorded shape), which is the order
 * SQLite returns them in (by rowid: they are inserted in that order). Labels the shape
 * does not name come last, by label.
 */
function orderByShape(
  rows: readonly NodeExecutionRow[],
  shapeJson: string | null,
): NodeExecutionRow[] {
  const position = new Map<string, number>();
  if (shapeJson !== null) {
    try {
      const shape = JSON.parse(shapeJson) as DagShape;
      shape.nodes.forEach((entry, i) => {
        const label = labelOfShapeEntry(entry);
        if (!position.has(label)) position.set(label, i);
      });
    } catch {
      // An unreadable shape: fall back to the order by label.
    }
  }
  const rank = (row: NodeExecutionRow) => position.get(row.node_label) ?? Number.MAX_SAFE_INTEGER;
  return [...rows].sort(
    (a, b) =>
      rank(a) - rank(b) || (a.node_label < b.node_label ? -1 : a.node_label > b.node_label ? 1 : 0),
  );
}

/**
 * The read side of the run history on PostgreSQL: what `DagProvenance`'s queries
 * return, loaded with few round trips (the nodes and edges of a page of runs in one
 * query each).
 *
 * @example
 * ```ts
 * const history = new PgHistory(store);
 * const run = await history.getRun("run-1", true);
 * ```
 */
export class PgHistory {
  constructor(readonly store: PgStore) {}

  async getRun(runId: string, values: boolean): Promise<RunRecord | undefined> {
    const rows = await this.store.query<DagRunRow>("get run", sql.selectRun, [runId]);
    return (await this.#records(rows, values))[0];
  }

  async getRunStatuses(runIds: readonly string[]): Promise<ReadonlyMap<string, RunStatus>> {
    const rows = await this.store.query<{ run_id: string; status: string }>(
      "get run statuses",
      sql.selectRunStatuses,
      [runIds],
    );
    return new Map(rows.map((row) => [row.run_id, row.status as RunStatus]));
  }

  async getNodeExecutions(runId: string): Promise<readonly NodeRecord[]> {
    const run = await this.getRun(runId, true);
    return run === undefined ? [] : Object.values(run.nodes);
  }

  async getRecentRuns(query: RecentRunsQuery): Promise<readonly RunRecord[]> {
    const params: unknown[] = [];
    if (query.dagNsref !== undefined) params.push(query.dagNsref);
    if (query.status !== undefined) params.push(query.status);
    const before = query.before;
    if (before instanceof Date) params.push(before.toISOString());
    else if (before !== undefined) params.push(before.startedAt.toISOString(), before.runId);
    params.push(query.limit ?? 50);
    const text = sql.selectRecent({
      dagNsref: query.dagNsref !== undefined,
      status: query.status !== undefined,
      before: before === undefined ? "none" : before instanceof Date ? "time" : "run",
    });
    const rows = await this.store.query<DagRunRow>("get recent runs", text, params);
    return this.#records(rows, false);
  }

  /** Every run below `runId`, depth first. */
  async getChildRuns(runId: string): Promise<readonly RunRecord[]> {
    const out: RunRecord[] = [];
    const walk = async (parent: string): Promise<void> => {
      const rows = await this.store.query<DagRunRow>("get child runs", sql.selectChildren, [
        parent,
      ]);
      for (const record of await this.#records(rows, false)) {
        out.push(record);
        await walk(record.runId);
      }
    };
    await walk(runId);
    return out;
  }

  async findUnfinishedRuns(): Promise<readonly RunRecord[]> {
    const rows = await this.store.query<DagRunRow>("find unfinished runs", sql.selectUnfinished);
    return this.#records(rows, false);
  }

  /** The runs of `rows` as records, their nodes and edges loaded in one query each. */
  async #records(rows: readonly DagRunRow[], values: boolean): Promise<RunRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.run_id);
    const nodeRows = await this.store.query<NodeExecutionRow>("get nodes", sql.selectNodesOfRuns, [
      ids,
    ]);
    const edgeRows = await this.store.query<EdgeRow & { run_id: string }>(
      "get edges",
      sql.selectEdgesOfRuns,
      [ids],
    );
    const nodesByRun = groupBy(nodeRows);
    const edgesByRun = groupBy(edgeRows);
    return rows.map((row) =>
      runRecordOf(
        row,
        nodeRecordsOf(
          orderByShape(nodesByRun.get(row.run_id) ?? [], row.dag_shape_json),
          edgesByRun.get(row.run_id) ?? [],
          values,
        ),
        values,
      ),
    );
  }
}

function groupBy<T extends { readonly run_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(row.run_id);
    if (list === undefined) out.set(row.run_id, [row]);
    else list.push(row);
  }
  return out;
}
