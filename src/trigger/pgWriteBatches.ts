import { encodeJson, stringifySafely } from "../store/jsonValue.js";
import { backfillSql } from "./backfillSql.js";
import { pgTriggerSql as sql } from "./pgTriggerSql.js";
import { retentionSql } from "./retentionSql.js";
import type { TriggerWrite } from "./TriggerWrite.js";

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms == null ? null : iso(ms));

/**
 * How one kind of fire-path write becomes a row of its `unnest` statement: the
 * statement, its operation name and the row's parameters (one per column array); the
 * database row it touches (`row`, table-qualified; `undefined` for a pure append), and
 * whether its rows must be inserted in write order (`ordered`: identity columns grow in
 * the order of the writes, as they would one by one).
 */
interface WriteShape<W extends TriggerWrite> {
  readonly operation: string;
  readonly sql: string;
  readonly row: (write: W) => string | undefined;
  readonly ordered: boolean;
  readonly columns: (write: W) => readonly unknown[];
}

type WriteShapes = {
  readonly [K in TriggerWrite["kind"]]: WriteShape<Extract<TriggerWrite, { kind: K }>>;
};

const shapes: WriteShapes = {
  upsertActivation: {
    operation: "activate",
    sql: sql.writeUpsertActivations,
    row: (w) => `a:${w.name}`,
    ordered: false,
    columns: (w) => [
      w.name,
      w.dagNsref,
      w.triggerType,
      w.status,
      iso(w.at),
      stringifySafely(w.config),
    ],
  },
  setStatus: {
    operation: "set status",
    sql: sql.writeStatuses,
    row: (w) => `a:${w.name}`,
    ordered: false,
    columns: (w) => [w.name, w.status],
  },
  statusNote: {
    operation: "note status",
    sql: sql.writeStatusNotes,
    row: (w) => `a:${w.name}`,
    ordered: false,
    columns: (w) => [w.name, w.note, w.by, iso(w.at)],
  },
  snapshot: {
    operation: "save snapshot",
    sql: sql.writeSnapshots,
    row: (w) => `a:${w.name}`,
    ordered: false,
    columns: (w) => [w.name, stringifySafely(w.snapshot), w.machineVersion, w.state],
  },
  journal: {
    operation: "append journal",
    sql: sql.writeJournal,
    row: () => undefined,
    ordered: true,
    columns: (w) => [w.name, stringifySafely(w.event), w.stateAfter, iso(w.at)],
  },
  insertEvent: {
    operation: "record fire",
    sql: sql.writeEvents,
    row: (w) => `e:${w.eventId}`,
    ordered: true,
    columns: (w) => [
      w.eventId,
      w.name,
      iso(w.firedAt),
      isoOrNull(w.scheduledAt),
      w.runId,
      encodeJson(w.payload),
      w.status,
      w.error,
      w.fireKind ?? null,
      w.fireKey ?? null,
      w.backfillId ?? null,
    ],
  },
  updateEvent: {
    operation: "update fire",
    sql: sql.writeEventUpdates,
    row: (w) => `e:${w.eventId}`,
    ordered: false,
    columns: (w) => [
      w.eventId,
      w.status,
      w.error ?? null,
      isoOrNull(w.firedAt),
      isoOrNull(w.finishedAt),
    ],
  },
  runEnded: {
    operation: "record run end",
    sql: sql.writeRunEnds,
    row: (w) => `a:${w.name}`,
    ordered: false,
    columns: (w) => [w.name, w.runId, iso(w.at)],
  },
  commandDone: {
    operation: "finish command",
    sql: sql.writeCommandsDone,
    row: (w) => `c:${w.seq}`,
    ordered: false,
    columns: (w) => [w.seq, w.state, iso(w.at), w.runId, w.error],
  },
  nextRun: {
    operation: "record next run",
    sql: sql.writeNextRuns,
    row: (w) => `a:${w.name}`,
    ordered: false,
    columns: (w) => [w.name, isoOrNull(w.nextRunAt)],
  },
  cursor: {
    operation: "record poll cursor",
    sql: sql.writeCursors,
    row: (w) => `a:${w.name}`,
    ordered: false,
    columns: (w) => [w.name, encodeJson(w.cursor)],
  },
  insertBackfill: {
    operation: "record backfill",
    sql: backfillSql.pg.writeInserts,
    row: (w) => `b:${w.id}`,
    ordered: false,
    columns: (w) => [w.id, w.name, iso(w.from), iso(w.to), w.refire ? 1 : 0, w.overlap, iso(w.at)],
  },
  backfillProgress: {
    operation: "advance backfill",
    sql: backfillSql.pg.writeProgress,
    row: (w) => `b:${w.id}`,
    ordered: false,
    columns: (w) => [w.id, iso(w.position), w.fired, w.skipped, iso(w.at)],
  },
  finishBackfill: {
    operation: "finish backfill",
    sql: backfillSql.pg.writeFinish,
    row: (w) => `b:${w.id}`,
    ordered: false,
    columns: (w) => [w.id, w.status, iso(w.at)],
  },
  countFires: {
    operation: "count fires",
    sql: sql.writeFireCounts,
    row: (w) => `a:${w.name}`,
    ordered: false,
    columns: (w) => [w.name, w.count],
  },
  deleteEvent: {
    operation: "prune ledger",
    sql: retentionSql.pg.writeDeleteEvents,
    row: (w) => `e:${w.eventId}`,
    ordered: false,
    columns: (w) => [w.eventId],
  },
  // Retention commits hold only retention writes, so a delete needs no order against
  // journal appends (which name no row).
  deleteJournal: {
    operation: "prune journal",
    sql: retentionSql.pg.writeDeleteJournal,
    row: (w) => `j:${w.name}`,
    ordered: false,
    columns: (w) => [w.name, w.throughSeq],
  },
  checkpoint: {
    operation: "write checkpoint",
    sql: retentionSql.pg.writeCheckpoints,
    row: (w) => `k:${w.name}`,
    ordered: false,
    columns: (w) => [
      w.name,
      w.seq,
      stringifySafely(w.snapshot),
      w.machineVersion,
      w.state,
      isoOrNull(w.at),
      iso(w.prunedAt),
    ],
  },
};

const shapeOf = (write: TriggerWrite): WriteShape<TriggerWrite> =>
  shapes[write.kind] as WriteShape<TriggerWrite>;

/** One statement of a commit: writes of one kind, each to a different row. */
export interface Batch {
  readonly shape: WriteShape<TriggerWrite>;
  readonly writes: TriggerWrite[];
  readonly rows: Set<string>;
}

/**
 * Groups `writes` into few statements whose application, in order, has the effect of
 * applying the writes one by one. A group commit interleaves kinds (each trigger's
 * event, snapshot, journal, …), so runs of one kind would be short: instead each write
 * joins the earliest statement of its kind that comes after every statement holding an
 * earlier write to the same row (writes to one row stay in order; one statement never
 * touches a row twice) and, for an ordered kind (inserts with identity columns), not
 * before the statement holding the previous write of that kind (so rows are inserted
 * in write order). Writes to different rows commute: the trigger tables have no
 * foreign keys or triggers between them. A thousand writes of five kinds are about
 * five statements.
 */
export function batches(writes: readonly TriggerWrite[]): Batch[] {
  const out: Batch[] = [];
  /** Index of the statement holding the last write to each row. */
  const lastOfRow = new Map<string, number>();
  /** Index of the statement holding the last write of each ordered kind. */
  const lastOfKind = new Map<WriteShape<TriggerWrite>, number>();
  for (const write of writes) {
    const shape = shapeOf(write);
    const row = shape.row(write);
    let lowest = 0;
    if (row !== undefined) lowest = Math.max(lowest, (lastOfRow.get(row) ?? -1) + 1);
    if (shape.ordered) lowest = Math.max(lowest, lastOfKind.get(shape) ?? 0);
    let index = out.findIndex(
      (batch, i) =>
        i >= lowest && batch.shape === shape && (row === undefined || !batch.rows.has(row)),
    );
    if (index === -1) {
      index = out.length;
      out.push({ shape, writes: [], rows: new Set() });
    }
    const batch = out[index] as Batch;
    batch.writes.push(write);
    if (row !== undefined) {
      batch.rows.add(row);
      lastOfRow.set(row, index);
    }
    if (shape.ordered) lastOfKind.set(shape, index);
  }
  return out;
}

/** The batch's parameters: one array per column. */
export function columnArrays(batch: Batch): unknown[][] {
  const rows = batch.writes.map((write) => batch.shape.columns(write));
  const width = rows[0]?.length ?? 0;
  return Array.from({ length: width }, (_, i) => rows.map((row) => row[i] ?? null));
}
