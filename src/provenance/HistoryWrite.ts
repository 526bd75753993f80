import { encodeJson } from "../store/jsonValue.js";
import type { SqliteStore } from "../store/SqliteStore.js";
import type { NodeCompletion, NodeStart, RunEnd, RunStart } from "./Provenance.js";
import { provenanceSql as sql } from "./provenanceSql.js";
import { iso } from "./records.js";

/**
 * One write of the run history as data: what a `ProvenanceService` write records, so
 * that a transaction other than the history's own may carry it. The supervisor puts a
 * run's start in its fire's write-ahead commit, and a run's end (with its last node's
 * completion) in the commit of the ledger's end, when the trigger store and the run
 * history share one connection (one SQLite file, one PostgreSQL database): one commit
 * instead of two, and no crash window between them (issue 15).
 *
 * @example
 * ```ts
 * const write: HistoryWrite = { op: "runFinished", runId, end };
 * store.transaction("end", () => applyHistorySqlite(store, write));
 * ```
 */
export type HistoryWrite =
  | { readonly op: "runStarted"; readonly run: RunStart; readonly starting: readonly NodeStart[] }
  | { readonly op: "runResumed"; readonly runId: string; readonly starting: readonly NodeStart[] }
  | { readonly op: "nodesStarted"; readonly runId: string; readonly starting: readonly NodeStart[] }
  | {
      readonly op: "nodeCompleted";
      readonly runId: string;
      readonly done: NodeCompletion;
      readonly starting: readonly NodeStart[];
    }
  | { readonly op: "runFinished"; readonly runId: string; readonly end: RunEnd };

/** The operation name a history write's failure reports. */
export const historyOperation: Readonly<Record<HistoryWrite["op"], string>> = {
  runStarted: "record run start",
  runResumed: "record run resume",
  nodesStarted: "record node start",
  nodeCompleted: "record node completion",
  runFinished: "record run end",
};

function startNodes(store: SqliteStore, runId: string, starting: readonly NodeStart[]): void {
  for (const start of starting) {
    store.run("start node", sql.startNode, {
      runId,
      label: start.label,
      input: encodeJson(start.input),
      startedAt: iso(start.startedAt),
      attempt: start.attempt,
    });
  }
}

/** Node rows per insert statement (8 placeholders each, far below SQLite's limit). */
const NODES_PER_INSERT = 100;

/** The SQL text of an insert of `count` node rows, made once per count. */
const insertNodesSql: string[] = [];

/**
 * A new run's node rows, the starting ones inserted `running` (what `startNodes` would
 * make of them), in one statement (per hundred nodes).
 */
function insertNodes(store: SqliteStore, run: RunStart, starting: readonly NodeStart[]): void {
  const starts = new Map(starting.map((start) => [start.label, start]));
  for (let from = 0; from < run.nodes.length; from += NODES_PER_INSERT) {
    const nodes = run.nodes.slice(from, from + NODES_PER_INSERT);
    const params: unknown[] = [];
    for (const node of nodes) {
      const start = starts.get(node.label);
      starts.delete(node.label);
      params.push(
        run.runId,
        node.label,
        start === undefined ? "pending" : "running",
        node.isSource ? 1 : 0,
        node.isSink ? 1 : 0,
        start?.attempt ?? 0,
        start === undefined ? null : encodeJson(start.input),
        start === undefined ? null : iso(start.startedAt),
      );
    }
    insertNodesSql[nodes.length] ??= sql.insertNodes(nodes.length);
    store.run("insert nodes", insertNodesSql[nodes.length] as string, params);
  }
  // A start of a node the run does not list (none today): as before, an update.
  startNodes(store, run.runId, [...starts.values()]);
}

/**
 * Applies `write` on `store` (synchronous SQL; call it inside a transaction: the
 * history's own group commit, or the trigger store's when they share the connection).
 */
export function applyHistorySqlite(store: SqliteStore, write: HistoryWrite): void {
  switch (write.op) {
    case "runStarted": {
      const run = write.run;
      store.run("insert run", sql.insertRun, {
        runId: run.runId,
        dagNsref: run.dagNsref ?? null,
        parentRunId: run.parentRunId ?? null,
        startedAt: iso(run.startedAt),
        input: encodeJson(run.input),
        fingerprint: run.fingerprint,
        shape: JSON.stringify(run.shape),
        expansionKey: run.expansionKey ?? null,
      });
      insertNodes(store, run, write.starting);
      return;
    }
    case "runResumed":
      store.run("resume run", sql.resumeRun, [write.runId]);
      startNodes(store, write.runId, write.starting);
      return;
    case "nodesStarted":
      startNodes(store, write.runId, write.starting);
      return;
    case "nodeCompleted": {
      const { runId, done } = write;
      const finishedAt = iso(done.finishedAt);
      store.run("complete node", sql.completeNode, {
        runId,
        label: done.label,
        status: done.status,
        output: encodeJson(done.output),
        finishedAt,
        cachedFrom: done.cachedFrom ?? null,
      });
      const entry = done.cacheEntry;
      if (entry !== undefined) {
        store.run("put node cache", sql.putCache, {
          key: entry.key,
          nsref: entry.nsref,
          version: entry.version,
          output: encodeJson(done.output),
          runId: entry.runId,
          createdAt: iso(entry.createdAt),
          expiresAt: iso(entry.expiresAt),
        });
      }
      for (const edge of done.edges) {
        store.run("record edge", sql.insertEdge, {
          runId,
          from: edge.from,
          to: edge.to,
          at: finishedAt,
        });
      }
      startNodes(store, runId, write.starting);
      return;
    }
    case "runFinished": {
      const { runId, end } = write;
      for (const node of end.nodes) {
        store.run("end node", sql.endNode, {
          runId,
          label: node.label,
          status: node.status,
          error: node.error ?? null,
          finishedAt: iso(node.finishedAt),
        });
      }
      store.run("end nodes left running", sql.endLeftRunning, {
        runId,
        finishedAt: iso(end.finishedAt),
      });
      store.run("finish run", sql.finishRun, {
        runId,
        status: end.status,
        finishedAt: iso(end.finishedAt),
        outputs: encodeJson(end.outputs),
        error: end.error ?? null,
      });
      return;
    }
  }
}
