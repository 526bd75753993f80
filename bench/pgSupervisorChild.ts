/**
 * One supervisor process of `pg_fire_throughput` / `pg_tick_precision`: a
 * `TriggerManager` on PostgreSQL (per-trigger leases, shared with the other processes)
 * or on SQLite files, driven by its parent over IPC (see `pgLib.ts`). It reports the
 * triggers it owns every 200 ms; on `fire` it fires its own push triggers with a fixed
 * number in flight for a fixed window; on `window` it reports the scheduled fires it made
 * in that window; on `stop` it stops and exits.
 */
import path from "node:path";
import pg from "pg";
import { Dag } from "../src/dag/Dag.js";
import { Namespace } from "../src/namespace/Namespace.js";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import { PgStore } from "../src/store/PgStore.js";
import { TriggerManager } from "../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../src/trigger/TriggerStore.js";
import { childArgs, cpuMs, sleep } from "./lib.js";

export interface PgChildArgs {
  readonly backend: "sqlite" | "postgres";
  /** PostgreSQL: the URL and the schema. */
  readonly url?: string;
  readonly schema?: string;
  /** SQLite: the folder of the two files. */
  readonly dir?: string;
  /** `push`: push triggers `push0…` of a 3-node DAG; `tick`: scheduled `tick0…` of a no-op. */
  readonly kind: "push" | "tick";
  readonly triggers: number;
  /** `tick`: the triggers' schedule. */
  readonly schedule?: string;
  /** Whether this process activates the triggers (before its `start()`). */
  readonly activate: boolean;
  readonly leaseMs: number;
  /** `push`: fires in flight at once in this process. */
  readonly concurrency: number;
  /** `push`: each node waits this long, as a node awaiting a service would (0: none). */
  readonly nodeWaitMs?: number;
}

/** What the parent sends. */
export type ParentMessage =
  | {
      readonly type: "fire";
      /** Epoch ms: start firing then; count fires completed in [at + warmMs, + durationMs). */
      readonly at: number;
      readonly warmMs: number;
      readonly durationMs: number;
    }
  | {
      readonly type: "window";
      readonly start: number;
      readonly end: number;
      readonly tailMs: number;
    }
  | { readonly type: "stop" };

/** A fire window's figures from one process. */
export interface FiredReport {
  readonly type: "fired";
  readonly owned: number;
  readonly lanes: number;
  /** Fires completed inside the measured window. */
  readonly fires: number;
  readonly windowMs: number;
  /** This process's CPU (user + system) over the window. */
  readonly cpuMs: number;
  /** Transactions committed over the window (both stores). */
  readonly commits: number;
  /** PostgreSQL statements sent over the window (BEGIN and COMMIT included). */
  readonly queries: number;
  readonly errors: number;
  readonly firstError?: string;
}

/** The scheduled fires this process made in a window: `[trigger, scheduledAt, at]`. */
export interface TickedReport {
  readonly type: "ticked";
  readonly fired: readonly (readonly [string, number, number])[];
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly owned: number;
  /** Errors the supervisor reported (`onError`) since it started. */
  readonly errors: number;
  readonly firstError?: string;
}

/** What a supervisor process sends. */
export type SupervisorMessage =
  | { readonly type: "started" }
  | { readonly type: "owned"; readonly owned: readonly string[] }
  | FiredReport
  | TickedReport;

const args = childArgs<PgChildArgs>();
const send = (message: SupervisorMessage) => process.send?.(message);

// Every statement a PostgreSQL client sends passes here (the pool's clients too).
let queries = 0;
const clientQuery = pg.Client.prototype.query as unknown as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }).query = function (
  this: unknown,
  ...a: unknown[]
) {
  queries += 1;
  return clientQuery.apply(this, a);
};

const ns = new Namespace();
const dag = new Dag();
const wait = args.nodeWaitMs ?? 0;
const io = async <T>(value: T): Promise<T> => {
  if (wait > 0) await sleep(wait);
  return value;
};
if (args.kind === "push") {
  dag
    .node(({ i }: { i: number }) => io(i + 1), { label: "a" })
    .to(dag.node((x: number) => io(x + 1), { label: "b" }))
    .to(dag.node((x: number) => io(x + 1), { label: "c" }));
} else {
  dag.node(() => null, { label: "noop" });
}
ns.register(dag, { nsref: "bench:dag" });
const names = Array.from({ length: args.triggers }, (_, k) => `${args.kind}${k}`);
for (const name of names) {
  ns.registerTrigger(
    args.kind === "push"
      ? { name, dagNsref: "bench:dag", triggerType: "push" }
      : { name, dagNsref: "bench:dag", triggerType: "poll", schedule: args.schedule ?? "" },
  );
}

let store: TriggerStore;
let provenance: DagProvenance;
let commits: () => number;
if (args.backend === "postgres") {
  const pgStore = PgStore.connect(args.url ?? "", { schema: args.schema ?? "public" });
  store = new TriggerStore(pgStore);
  provenance = new DagProvenance(pgStore);
  commits = () => pgStore.commitCount;
} else {
  const dir = args.dir ?? ".";
  store = new TriggerStore(path.join(dir, "triggers.db"));
  provenance = new DagProvenance(path.join(dir, "provenance.db"));
  const sqliteStore = store.store;
  const sqliteProvenance = provenance.store;
  commits = () => sqliteStore.commitCount + sqliteProvenance.commitCount;
}

const ticks: [string, number, number][] = [];
/** Errors the supervisor reported (onError). */
let errorCount = 0;
let firstSupervisorError: string | undefined;
const manager = new TriggerManager({
  namespace: ns,
  store,
  provenance,
  leaseMs: args.leaseMs,
  onEvent: (event) => {
    if (event.kind === "fired" && event.scheduledAt !== undefined && event.trigger !== undefined) {
      ticks.push([event.trigger, event.scheduledAt.getTime(), event.at.getTime()]);
    }
  },
  onError: (error) => {
    errorCount += 1;
    firstSupervisorError ??=
      error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (process.env.BENCH_PG_DEBUG) console.error(error);
  },
});
await store.ready();
if (args.activate) {
  // As a service at boot: the first child activates every trigger before it starts (it
  // claims each lease, writes the row under it, and gives the excess back at its first
  // heartbeats once the others are live).
  for (const name of names) await manager.activate(name);
}
await manager.start();
send({ type: "started" });
const reporter = setInterval(() => send({ type: "owned", owned: manager.status().owned }), 200);
send({ type: "owned", owned: manager.status().owned });

async function fireWindow(at: number, warmMs: number, durationMs: number): Promise<FiredReport> {
  const owned = manager.status().owned;
  const lanes = Math.min(args.concurrency, owned.length);
  const from = at + warmMs;
  const end = from + durationMs;
  let fires = 0;
  let errors = 0;
  let firstError: string | undefined;
  let mark = { cpu: process.cpuUsage(), commits: 0, queries: 0 };
  let cpu = 0;
  let committed = 0;
  let sent = 0;
  await sleep(at - Date.now());
  // The window's marks run on their own timers (a lane may end before the last one runs).
  const at0 = sleep(from - Date.now()).then(() => {
    mark = { cpu: process.cpuUsage(), commits: commits(), queries };
  });
  const at1 = sleep(end - Date.now()).then(async () => {
    await at0;
    cpu = cpuMs(mark.cpu);
    committed = commits() - mark.commits;
    sent = queries - mark.queries;
  });
  const lanesDone = Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      // Each trigger belongs to one lane: a lane fires its triggers in turn, one at a time.
      const mine = owned.filter((_, j) => j % lanes === lane);
      for (let i = 0; Date.now() < end; i++) {
        const name = mine[i % mine.length] as string;
        try {
          const result = await manager.fire(name, { i });
          if (result.status !== "completed") throw new Error(`fire ${result.status}`);
          const now = Date.now();
          if (now >= from && now < end) fires += 1;
        } catch (error) {
          errors += 1;
          firstError ??= error instanceof Error ? error.message : String(error);
        }
      }
    }),
  );
  await Promise.all([lanesDone, at0, at1]);
  return {
    type: "fired",
    owned: owned.length,
    lanes,
    fires,
    windowMs: durationMs,
    cpuMs: cpu,
    commits: committed,
    queries: sent,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

async function tickWindow(start: number, end: number, tailMs: number): Promise<TickedReport> {
  await sleep(start - Date.now());
  const cpu = process.cpuUsage();
  const wall = Date.now();
  await sleep(end + tailMs - Date.now());
  return {
    type: "ticked",
    fired: ticks.filter(([, scheduled]) => scheduled >= start && scheduled < end),
    cpuMs: cpuMs(cpu),
    wallMs: Date.now() - wall,
    owned: manager.status().owned.length,
    errors: errorCount,
    ...(firstSupervisorError === undefined ? {} : { firstError: firstSupervisorError }),
  };
}

process.on("message", (raw) => {
  const message = raw as ParentMessage;
  if (message.type === "fire") {
    void fireWindow(message.at, message.warmMs, message.durationMs).then(send);
  } else if (message.type === "window") {
    void tickWindow(message.start, message.end, message.tailMs).then(send);
  } else {
    clearInterval(reporter);
    void (async () => {
      await manager.stop({ graceMs: 2000 }).catch(() => {});
      await store.close().catch(() => {});
      await Promise.resolve(provenance.close()).catch(() => {});
      process.exit(0);
    })();
  }
});
// The parent went away: do not linger.
process.on("disconnect", () => process.exit(0));
