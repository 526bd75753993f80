import path from "node:path";
import Database from "better-sqlite3";
import { type Metrics, median, postgresUnavailable, quantile, round, sleep } from "./lib.js";
import {
  pgQuery,
  postgresCpu,
  postgresCpuBetween,
  roundDatabase,
  type SupervisorProcess,
  startSupervisors,
  stopSupervisors,
  waitForSplit,
} from "./pgLib.js";
import type { PgChildArgs, TickedReport } from "./pgSupervisorChild.js";

/**
 * The size of `pg_tick_precision`.
 *
 * @example
 * ```ts
 * const options: PgTickPrecisionOptions = { triggers: 200, seconds: 10, repeats: 3, settleMs: 2000, leaseMs: 3000 };
 * ```
 */
export interface PgTickPrecisionOptions {
  /** Triggers on an every-second schedule, shared by the supervisors. */
  readonly triggers: number;
  /** The measured window, in whole seconds of ticks. */
  readonly seconds: number;
  readonly repeats: number;
  /** After the split is stable, time before the window opens (catch-up fires settle). */
  readonly settleMs: number;
  /** The supervisors' lease (heartbeat and re-balancing every third of it). */
  readonly leaseMs: number;
  readonly dir?: string;
}

interface Contender {
  readonly key: "sqlite_1" | "pg_1" | "pg_3";
  readonly backend: "sqlite" | "postgres";
  readonly supervisors: number;
}

const CONTENDERS: readonly Contender[] = [
  { key: "sqlite_1", backend: "sqlite", supervisors: 1 },
  { key: "pg_1", backend: "postgres", supervisors: 1 },
  { key: "pg_3", backend: "postgres", supervisors: 3 },
];

const EVERY_SECOND = "* * * * * *";
/** After the window's last tick, how long its fires have to start (a later one counts as missed). */
const TAIL_MS = 1500;
/** Ledger statuses of a tick that fired. */
const FIRED = new Set(["running", "completed", "failed", "interrupted"]);

interface LedgerRow {
  readonly trigger_name: string;
  readonly status: string;
  readonly fired_at: string;
  readonly scheduled_at: string;
}

/** One contender's figures in one repeat. */
interface RepeatFigures {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** The same lateness from the supervisors' `fired` events (start of the fire). */
  readonly eventP99: number;
  readonly missed: number;
  readonly missedRows: number;
  readonly duplicated: number;
  readonly statuses: Record<string, number>;
  readonly cpuPercent: number;
  readonly pgCpuPercent: number;
  readonly settleMs: number;
  /** Errors the supervisors reported (`onError`). */
  readonly errors: number;
  readonly firstError?: string;
}

async function runOnce(
  contender: Contender,
  options: PgTickPrecisionOptions,
): Promise<RepeatFigures> {
  const db = roundDatabase(contender.backend, "tick", options.dir);
  const schema = db.schema;
  const args: Omit<PgChildArgs, "activate"> = {
    ...db.where,
    kind: "tick",
    triggers: options.triggers,
    schedule: EVERY_SECOND,
    leaseMs: options.leaseMs,
    concurrency: 0,
  };
  let procs: SupervisorProcess[] = [];
  try {
    procs = await startSupervisors(contender.supervisors, args);
    const settleMs = await waitForSplit(procs, options.triggers, options.leaseMs / 3 + 300);
    const start = Math.ceil((Date.now() + options.settleMs) / 1000) * 1000;
    const end = start + options.seconds * 1000;
    for (const p of procs) p.send({ type: "window", start, end, tailMs: TAIL_MS });
    let pgBefore = new Map<number, number>();
    let pgMs = 0;
    const opened = sleep(start - Date.now()).then(() => {
      pgBefore = postgresCpu();
    });
    const closed = sleep(end - Date.now()).then(async () => {
      await opened;
      pgMs = postgresCpuBetween(pgBefore, postgresCpu());
    });
    const reports: TickedReport[] = await Promise.all(
      procs.map((p) => p.next("ticked", end - Date.now() + 60_000)),
    );
    await Promise.all([opened, closed]);
    const owned = reports.reduce((sum, r) => sum + r.owned, 0);
    if (owned !== options.triggers) {
      throw new Error(`the split changed in the window: owned ${owned} of ${options.triggers}`);
    }
    await stopSupervisors(procs);
    procs = [];

    const range = [new Date(start).toISOString(), new Date(end).toISOString()];
    let rows: LedgerRow[];
    if (schema !== undefined) {
      rows = await pgQuery<LedgerRow>(
        `SELECT trigger_name, status, fired_at, scheduled_at FROM ${schema}.trigger_events
         WHERE scheduled_at >= $1 AND scheduled_at < $2`,
        range,
      );
    } else {
      const file = new Database(path.join(db.where.dir as string, "triggers.db"), {
        readonly: true,
      });
      try {
        rows = file
          .prepare(
            `SELECT trigger_name, status, fired_at, scheduled_at FROM trigger_events
             WHERE scheduled_at >= ? AND scheduled_at < ?`,
          )
          .all(...range) as LedgerRow[];
      } finally {
        file.close();
      }
    }
    const statuses: Record<string, number> = {};
    const late: number[] = [];
    const firedKeys = new Set<string>();
    let firedRows = 0;
    for (const row of rows) {
      statuses[row.status] = (statuses[row.status] ?? 0) + 1;
      if (!FIRED.has(row.status)) continue;
      firedRows += 1;
      firedKeys.add(`${row.trigger_name}@${row.scheduled_at}`);
      late.push(Date.parse(row.fired_at) - Date.parse(row.scheduled_at));
    }
    // A tick fired twice shows as two ledger rows, or as `fired` events of two supervisors.
    const events = reports.flatMap((r) => r.fired);
    const eventKeys = new Set(events.map(([name, scheduled]) => `${name}@${scheduled}`));
    const eventLate = events.map(([, scheduled, at]) => at - scheduled);
    const firstError = reports.find((r) => r.firstError !== undefined)?.firstError;
    const cpu = reports.reduce((sum, r) => sum + (100 * r.cpuMs) / r.wallMs, 0);
    return {
      p50: quantile(late, 0.5),
      p90: quantile(late, 0.9),
      p99: quantile(late, 0.99),
      max: late.length === 0 ? Number.NaN : Math.max(...late),
      eventP99: quantile(eventLate, 0.99),
      missed: options.triggers * options.seconds - firedKeys.size,
      missedRows: statuses.missed ?? 0,
      duplicated: firedRows - firedKeys.size + (events.length - eventKeys.size),
      statuses,
      cpuPercent: cpu,
      pgCpuPercent: (100 * pgMs) / (end - start),
      settleMs,
      errors: reports.reduce((sum, r) => sum + r.errors, 0),
      ...(firstError === undefined ? {} : { firstError }),
    };
  } finally {
    await stopSupervisors(procs);
    await db.cleanup();
  }
}

/**
 * `pg_tick_precision`: `triggers` triggers on an every-second schedule, each firing a
 * no-op DAG durably, on PostgreSQL with one supervisor process and with three sharing
 * the triggers (per-trigger leases), beside SQLite with its one supervisor. Once the
 * split is stable (and `settleMs` more), the ticks of `seconds` whole seconds are read
 * back from the ledger: lateness = `fired_at − scheduled_at`; a tick with no fired row
 * is missed; a tick with two rows, or fired by two supervisors, is duplicated. Fresh
 * schema (or folder) per run; contenders rotate per repeat; quantiles are medians over
 * the repeats, max the max, missed and duplicated ticks the sums.
 */
export async function pgTickPrecision(options: PgTickPrecisionOptions): Promise<Metrics> {
  const unavailable = await postgresUnavailable();
  if (unavailable !== undefined) return { skipped: unavailable };
  const figures = new Map<string, RepeatFigures[]>(CONTENDERS.map((c) => [c.key, []]));
  for (let r = 0; r < options.repeats; r++) {
    for (let k = 0; k < CONTENDERS.length; k++) {
      const contender = CONTENDERS[(r + k) % CONTENDERS.length] as Contender;
      figures.get(contender.key)?.push(await runOnce(contender, options));
    }
  }
  const metrics: Metrics = {};
  for (const contender of CONTENDERS) {
    const runs = figures.get(contender.key) ?? [];
    const p = `${contender.key}_`;
    const med = (pick: (f: RepeatFigures) => number, digits = 2) =>
      round(median(runs.map(pick)), digits);
    metrics[`${p}p50_ms`] = med((f) => f.p50);
    metrics[`${p}p90_ms`] = med((f) => f.p90);
    metrics[`${p}p99_ms`] = med((f) => f.p99);
    metrics[`${p}max_ms`] = round(Math.max(...runs.map((f) => f.max)));
    metrics[`${p}event_p99_ms`] = med((f) => f.eventP99);
    metrics[`${p}missed_ticks`] = runs.reduce((sum, f) => sum + f.missed, 0);
    metrics[`${p}missed_rows`] = runs.reduce((sum, f) => sum + f.missedRows, 0);
    metrics[`${p}duplicated_ticks`] = runs.reduce((sum, f) => sum + f.duplicated, 0);
    metrics[`${p}cpu_percent_of_one_core`] = med((f) => f.cpuPercent, 1);
    if (contender.backend === "postgres") {
      metrics[`${p}pg_cpu_percent_of_one_core`] = med((f) => f.pgCpuPercent, 1);
    }
    metrics[`${p}settle_ms`] = med((f) => f.settleMs, 0);
    metrics[`${p}errors`] = runs.reduce((sum, f) => sum + f.errors, 0);
    const firstError = runs.find((f) => f.firstError !== undefined)?.firstError;
    if (firstError !== undefined) metrics[`${p}first_error`] = firstError;
    const statuses: Record<string, number> = {};
    for (const run of runs) {
      for (const [status, n] of Object.entries(run.statuses)) {
        statuses[status] = (statuses[status] ?? 0) + n;
      }
    }
    metrics[`${p}ledger_statuses`] = Object.entries(statuses)
      .map(([status, n]) => `${status}=${n}`)
      .join(" ");
  }
  metrics.triggers = options.triggers;
  metrics.seconds = options.seconds;
  metrics.repeats = options.repeats;
  metrics.lease_ms = options.leaseMs;
  return metrics;
}
