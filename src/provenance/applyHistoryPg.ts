import { encodeJson } from "../store/jsonValue.js";
import type { PgQueryable } from "../store/PgStore.js";
import type { HistoryWrite } from "./HistoryWrite.js";
import type { NodeStart } from "./Provenance.js";
import { pgProvenanceSql as sql } from "./pgProvenanceSql.js";
import { iso } from "./records.js";

/** The starting nodes as the four column arrays the statements take. */
const startColumns = (starting: readonly NodeStart[]) => [
  starting.map((s) => s.label),
  starting.map((s) => encodeJson(s.input)),
  starting.map((s) => iso(s.startedAt)),
  starting.map((s) => s.attempt),
];

const startNodes = async (
  tx: PgQueryable,
  runId: string,
  starting: readonly NodeStart[],
): Promise<void> => {
  if (starting.length === 0) return;
  await tx.query("start nodes", sql.startNodes, [runId, ...startColumns(starting)]);
};

/**
 * Applies `write` on the PostgreSQL transaction `tx` (the history's own group
 * transaction, or the trigger store's when both share the database). Each write is one
 * statement (one round trip) where the rows allow it.
 *
 * @example
 * ```ts
 * await store.transaction("end", (tx) => applyHistoryPg(tx, { op: "runFinished", runId, end }));
 * ```
 */
export async function applyHistoryPg(tx: PgQueryable, write: HistoryWrite): Promise<void> {
  switch (write.op) {
    case "runStarted": {
      const { run, starting } = write;
      await tx.query("record run start", sql.startRun, [
        run.runId,
        run.dagNsref ?? null,
        run.parentRunId ?? null,
        iso(run.startedAt),
        encodeJson(run.input),
        run.fingerprint,
        JSON.stringify(run.shape),
        run.expansionKey ?? null,
        run.nodes.map((n) => n.label),
        run.nodes.map((n) => (n.isSource ? 1 : 0)),
        run.nodes.map((n) => (n.isSink ? 1 : 0)),
        ...startColumns(starting),
      ]);
      return;
    }
    case "runResumed":
      await tx.query("resume run", sql.resumeRun, [write.runId]);
      await startNodes(tx, write.runId, write.starting);
      return;
    case "nodesStarted":
      await startNodes(tx, write.runId, write.starting);
      return;
    case "nodeCompleted": {
      const { runId, done, starting } = write;
      await tx.query("record node completion", sql.completeNodeAndStart, [
        runId,
        done.label,
        done.status,
        encodeJson(done.output),
        iso(done.finishedAt),
        done.edges.map((e) => e.from),
        done.edges.map((e) => e.to),
        ...startColumns(starting),
        done.cachedFrom ?? null,
      ]);
      const entry = done.cacheEntry;
      if (entry !== undefined) {
        await tx.query("put node cache", sql.putCache, [
          entry.key,
          entry.nsref,
          entry.version,
          encodeJson(done.output),
          entry.runId,
          iso(entry.createdAt),
          iso(entry.expiresAt),
        ]);
      }
      return;
    }
    case "runFinished": {
      const { runId, end } = write;
      await tx.query("record run end", sql.endRun, [
        runId,
        end.status,
        iso(end.finishedAt),
        encodeJson(end.outputs),
        end.error ?? null,
        end.nodes.map((n) => n.label),
        end.nodes.map((n) => n.status),
        end.nodes.map((n) => n.error ?? null),
        end.nodes.map((n) => iso(n.finishedAt)),
      ]);
      return;
    }
  }
}
