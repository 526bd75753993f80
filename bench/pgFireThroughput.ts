import { type Metrics, median, postgresUnavailable, round, sleep } from "./lib.js";
import {
  machineCpu,
  postgresCpu,
  postgresCpuBetween,
  roundDatabase,
  type SupervisorProcess,
  startSupervisors,
  stopSupervisors,
  waitForSplit,
} from "./pgLib.js";
import type { FiredReport, PgChildArgs } from "./pgSupervisorChild.js";

/**
 * The size of `pg_fire_throughput`.
 *
 * @example
 * ```ts
 * const options: PgFireThroughputOptions = { triggers: 48, concurrency: 16, rounds: 3, warmMs: 1000, durationMs: 5000, leaseMs: 3000 };
 * ```
 */
export interface PgFireThroughputOptions {
  /** Push triggers shared by the supervisors (≥ 3 × concurrency, a multiple of 3). */
  readonly triggers: number;
  /** Fires in flight at once in each supervisor process. */
  readonly concurrency: number;
  /** Rounds; each runs every contender once, in a rotating order. */
  readonly rounds: number;
  /** Firing before the measured window (JIT, connections, caches). */
  readonly warmMs: number;
  /** The measured window. */
  readonly durationMs: number;
  /** The supervisors' lease (heartbeat and re-balancing every third of it). */
  readonly leaseMs: number;
  /** The I/O-bound contenders: each DAG node waits this long (a call to a service). */
  readonly nodeWaitMs: number;
  readonly dir?: string;
}

interface Contender {
  readonly key: "sqlite_1" | "pg_1" | "pg_3" | "pg_io_1" | "pg_io_3";
  readonly backend: "sqlite" | "postgres";
  readonly supervisors: number;
  /** Nodes wait on (simulated) I/O: a supervisor's capacity is its fires in flight. */
  readonly io: boolean;
}

const CONTENDERS: readonly Contender[] = [
  { key: "sqlite_1", backend: "sqlite", supervisors: 1, io: false },
  { key: "pg_1", backend: "postgres", supervisors: 1, io: false },
  { key: "pg_3", backend: "postgres", supervisors: 3, io: false },
  { key: "pg_io_1", backend: "postgres", supervisors: 1, io: true },
  { key: "pg_io_3", backend: "postgres", supervisors: 3, io: true },
];

/** One contender's figures in one round. */
interface RoundFigures {
  readonly firesPerS: number;
  readonly commitsPerFire: number;
  readonly queriesPerFire: number;
  /** CPU of the supervisor processes per fire (ms). */
  readonly clientCpuMsPerFire: number;
  /** CPU of every `postgres` process per fire (ms). */
  readonly serverCpuMsPerFire: number;
  /** Each supervisor's CPU as % of one core. */
  readonly childCpuPercent: readonly number[];
  readonly serverCpuPercent: number;
  /** The whole machine's busy and stolen CPU, % of all its cores. */
  readonly machineBusyPercent: number;
  readonly machineStealPercent: number;
  /** Busy CPU of the machine outside the supervisors and PostgreSQL, % of one core. */
  readonly otherCpuPercent: number;
  readonly settleMs: number;
  readonly errors: number;
  readonly firstError?: string;
}

async function runOnce(
  contender: Contender,
  options: PgFireThroughputOptions,
): Promise<RoundFigures> {
  const db = roundDatabase(contender.backend, "fire", options.dir);
  const args: Omit<PgChildArgs, "activate"> = {
    ...db.where,
    kind: "push",
    triggers: options.triggers,
    leaseMs: options.leaseMs,
    concurrency: options.concurrency,
    ...(contender.io ? { nodeWaitMs: options.nodeWaitMs } : {}),
  };
  let procs: SupervisorProcess[] = [];
  try {
    procs = await startSupervisors(contender.supervisors, args);
    const settleMs = await waitForSplit(procs, options.triggers, options.leaseMs / 3 + 300);
    const at = Date.now() + 300;
    const from = at + options.warmMs;
    const end = from + options.durationMs;
    for (const p of procs) {
      p.send({ type: "fire", at, warmMs: options.warmMs, durationMs: options.durationMs });
    }
    // The server's and the machine's CPU over the same window as the children's.
    let pgBefore = new Map<number, number>();
    let pgMs = 0;
    let m0 = machineCpu();
    let m1 = m0;
    const start = sleep(from - Date.now()).then(() => {
      pgBefore = postgresCpu();
      m0 = machineCpu();
    });
    const stop = sleep(end - Date.now()).then(async () => {
      await start;
      pgMs = postgresCpuBetween(pgBefore, postgresCpu());
      m1 = machineCpu();
    });
    const reports: FiredReport[] = await Promise.all(
      procs.map((p) => p.next("fired", options.warmMs + options.durationMs + 60_000)),
    );
    await Promise.all([start, stop]);
    const fires = reports.reduce((sum, r) => sum + r.fires, 0);
    const perFire = (x: number) => (fires === 0 ? Number.NaN : x / fires);
    const total = m1.busy + m1.idle + m1.steal - (m0.busy + m0.idle + m0.steal);
    const firstError = reports.find((r) => r.firstError !== undefined)?.firstError;
    return {
      firesPerS: fires / (options.durationMs / 1000),
      commitsPerFire: perFire(reports.reduce((sum, r) => sum + r.commits, 0)),
      queriesPerFire: perFire(reports.reduce((sum, r) => sum + r.queries, 0)),
      clientCpuMsPerFire: perFire(reports.reduce((sum, r) => sum + r.cpuMs, 0)),
      serverCpuMsPerFire: contender.backend === "postgres" ? perFire(pgMs) : 0,
      childCpuPercent: reports.map((r) => (100 * r.cpuMs) / options.durationMs),
      serverCpuPercent: (100 * pgMs) / options.durationMs,
      machineBusyPercent: total > 0 ? (100 * (m1.busy - m0.busy)) / total : Number.NaN,
      machineStealPercent: total > 0 ? (100 * (m1.steal - m0.steal)) / total : Number.NaN,
      otherCpuPercent:
        (100 * (m1.busy - m0.busy - pgMs - reports.reduce((sum, r) => sum + r.cpuMs, 0))) /
        options.durationMs,
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
 * `pg_fire_throughput`: the capacity of tickflow's durable push fires (write-ahead
 * commit, a 3-node DAG run recorded by DagProvenance, end commit) with every trigger on
 * PostgreSQL, fired by one supervisor process and by three sharing the triggers
 * (per-trigger leases), beside SQLite with its one supervisor. Each supervisor process
 * waits until the triggers are split, then fires its own with `concurrency` in flight
 * for the window; the total is the sum over the processes. Fresh schema (or folder) per
 * contender per round; contenders rotate within each round; figures are medians. The
 * server's CPU (every `postgres` process, from /proc) and the machine's are read over
 * the same window, to show where the time goes.
 */
export async function pgFireThroughput(options: PgFireThroughputOptions): Promise<Metrics> {
  const unavailable = await postgresUnavailable();
  if (unavailable !== undefined) return { skipped: unavailable };
  const contenders = CONTENDERS;
  const figures = new Map<string, RoundFigures[]>(contenders.map((c) => [c.key, []]));
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const contender = contenders[(r + k) % contenders.length] as Contender;
      figures.get(contender.key)?.push(await runOnce(contender, options));
    }
  }
  const metrics: Metrics = {};
  for (const contender of CONTENDERS) {
    const runs = figures.get(contender.key);
    const p = `${contender.key}_`;
    if (runs === undefined) continue;
    const med = (pick: (f: RoundFigures) => number, digits = 2) =>
      round(median(runs.map(pick)), digits);
    metrics[`${p}fires_per_s`] = med((f) => f.firesPerS, 0);
    metrics[`${p}commits_per_fire`] = med((f) => f.commitsPerFire, 3);
    metrics[`${p}cpu_ms_per_fire`] = med((f) => f.clientCpuMsPerFire, 3);
    metrics[`${p}child_cpu_percent`] = runs
      .map((f) => f.childCpuPercent.map((c) => round(c, 0)).join("+"))
      .join(" ");
    metrics[`${p}machine_busy_percent`] = med((f) => f.machineBusyPercent, 1);
    metrics[`${p}machine_steal_percent`] = med((f) => f.machineStealPercent, 1);
    metrics[`${p}other_cpu_percent`] = med((f) => f.otherCpuPercent, 1);
    metrics[`${p}settle_ms`] = med((f) => f.settleMs, 0);
    metrics[`${p}errors`] = runs.reduce((sum, f) => sum + f.errors, 0);
    const firstError = runs.find((f) => f.firstError !== undefined)?.firstError;
    if (firstError !== undefined) metrics[`${p}first_error`] = firstError;
    if (contender.backend === "postgres") {
      metrics[`${p}queries_per_fire`] = med((f) => f.queriesPerFire, 2);
      metrics[`${p}pg_cpu_ms_per_fire`] = med((f) => f.serverCpuMsPerFire, 3);
      metrics[`${p}pg_cpu_percent`] = med((f) => f.serverCpuPercent, 1);
    }
  }
  const pg1 = metrics.pg_1_fires_per_s;
  const pg3 = metrics.pg_3_fires_per_s;
  metrics.pg_3_to_pg_1 =
    typeof pg1 === "number" && typeof pg3 === "number" && pg1 > 0 ? round(pg3 / pg1, 2) : null;
  const io1 = metrics.pg_io_1_fires_per_s;
  const io3 = metrics.pg_io_3_fires_per_s;
  metrics.pg_io_3_to_pg_io_1 =
    typeof io1 === "number" && typeof io3 === "number" && io1 > 0 ? round(io3 / io1, 2) : null;
  metrics.node_wait_ms = options.nodeWaitMs;
  metrics.triggers = options.triggers;
  metrics.concurrency = options.concurrency;
  metrics.duration_ms = options.durationMs;
  metrics.rounds = options.rounds;
  metrics.lease_ms = options.leaseMs;
  return metrics;
}
