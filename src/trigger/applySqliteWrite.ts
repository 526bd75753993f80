import { isoTime } from "../store/isoTime.js";
import { encodeJson, stringifySafely } from "../store/jsonValue.js";
import type { SqliteStore } from "../store/SqliteStore.js";
import { backfillSql } from "./backfillSql.js";
import { retentionSql } from "./retentionSql.js";
import type { TriggerWrite } from "./TriggerWrite.js";
import { triggerSql as sql } from "./triggerSql.js";

const iso = isoTime;
const retention = retentionSql.sqlite;
const backfills = backfillSql.sqlite;

/**
 * One fire-path write as its SQLite statement, run on `s` inside the caller's transaction
 * (the group commit applies a whole batch in one): the SQLite counterpart of
 * `pgWriteBatches.ts`. Statements are in `triggerSql.ts` and `retentionSql.ts`.
 *
 * @example
 * ```ts
 * store.transaction("commit", () => applySqliteWrite(store, { kind: "setStatus", name: "t", status: "active" }));
 * ```
 */
export function applySqliteWrite(s: SqliteStore, write: TriggerWrite): void {
  switch (write.kind) {
    case "upsertActivation":
      s.run("activate", sql.upsertActivation, {
        name: write.name,
        dagNsref: write.dagNsref,
        triggerType: write.triggerType,
        status: write.status,
        at: iso(write.at),
        config: stringifySafely(write.config),
      });
      return;
    case "setStatus":
      s.run("set status", sql.setStatus, { name: write.name, status: write.status });
      return;
    case "statusNote":
      s.run("note status", sql.setStatusNote, {
        name: write.name,
        note: write.note,
        by: write.by,
        at: iso(write.at),
      });
      return;
    case "snapshot":
      s.run("save snapshot", sql.saveSnapshot, {
        name: write.name,
        snapshot: stringifySafely(write.snapshot),
        version: write.machineVersion,
        state: write.state,
      });
      return;
    case "journal":
      s.run("append journal", sql.appendJournal, {
        name: write.name,
        event: stringifySafely(write.event),
        stateAfter: write.stateAfter,
        at: iso(write.at),
      });
      return;
    case "insertEvent":
      s.run("record fire", sql.insertEvent, {
        eventId: write.eventId,
        name: write.name,
        firedAt: iso(write.firedAt),
        scheduledAt: write.scheduledAt === null ? null : iso(write.scheduledAt),
        runId: write.runId,
        payload: encodeJson(write.payload),
        status: write.status,
        error: write.error,
        fireKind: write.fireKind ?? null,
        fireKey: write.fireKey ?? null,
        backfillId: write.backfillId ?? null,
      });
      return;
    case "updateEvent":
      s.run("update fire", sql.updateEvent, {
        eventId: write.eventId,
        status: write.status,
        error: write.error ?? null,
        firedAt: write.firedAt === undefined ? null : iso(write.firedAt),
        finishedAt: write.finishedAt === undefined ? null : iso(write.finishedAt),
      });
      return;
    case "runEnded":
      s.run("record run end", sql.runEnded, {
        name: write.name,
        runId: write.runId,
        at: iso(write.at),
      });
      return;
    case "commandDone":
      s.run("finish command", sql.finishCommand, {
        seq: write.seq,
        state: write.state,
        at: iso(write.at),
        runId: write.runId,
        error: write.error,
      });
      return;
    case "deleteEvent":
      s.run("prune ledger", retention.deleteEvent, [write.eventId]);
      return;
    case "deleteJournal":
      s.run("prune journal", retention.deleteJournal, [write.name, write.throughSeq]);
      return;
    case "checkpoint":
      s.run("write checkpoint", retention.upsertCheckpoint, {
        name: write.name,
        seq: write.seq,
        snapshot: stringifySafely(write.snapshot),
        version: write.machineVersion,
        state: write.state,
        at: write.at === null ? null : iso(write.at),
        prunedAt: iso(write.prunedAt),
      });
      return;
    case "cursor":
      s.run("record poll cursor", sql.setCursor, {
        name: write.name,
        cursor: encodeJson(write.cursor),
      });
      return;
    case "insertBackfill":
      s.run("record backfill", backfills.insert, {
        id: write.id,
        name: write.name,
        from: iso(write.from),
        to: iso(write.to),
        refire: write.refire ? 1 : 0,
        overlap: write.overlap,
        at: iso(write.at),
      });
      return;
    case "backfillProgress":
      s.run("advance backfill", backfills.progress, {
        id: write.id,
        position: iso(write.position),
        fired: write.fired,
        skipped: write.skipped,
        at: iso(write.at),
      });
      return;
    case "finishBackfill":
      s.run("finish backfill", backfills.finish, {
        id: write.id,
        status: write.status,
        at: iso(write.at),
      });
      return;
    case "countFires":
      s.run("count fires", sql.countFires, { name: write.name, count: write.count });
      return;
    case "nextRun":
      s.run("record next run", sql.setNextRun, {
        name: write.name,
        nextRunAt: write.nextRunAt === null ? null : iso(write.nextRunAt),
      });
      return;
  }
}
