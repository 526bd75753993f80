import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Dag } from "../src/dag/Dag.js";
import { Namespace } from "../src/namespace/Namespace.js";
import { DagProvenance } from "../src/provenance/DagProvenance.js";
import { TriggerManager } from "../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../src/trigger/TriggerStore.js";
import {
  loadIORedis,
  type Metrics,
  median,
  peerServers,
  postgresUnavailable,
  rawCommits,
  redisUnavailable,
  round,
  tempDir,
} from "./lib.js";
import { benchOtelSdk } from "./otelSdk.js";

/**
 * How many fires `fireThroughput` makes, and how often.
 *
 * @example
 * ```ts
 * const options: FireThroughputOptions = { fires: 5000, rounds: 3, concurrency: 16 };
 * ```
 */
export interface FireThroughputOptions {
  /** Fires per contender per round. */
  readonly fires: number;
  /** Rounds; each runs every contender once, in a rotating order. */
  readonly rounds: number;
  /** Fires in flight at once in the concurrent mode (16 triggers). */
  readonly concurrency: number;
  readonly dir?: string;
}

/** One system able to fire: `fire(k, i)` resolves once fire `i` of lane `k` has finished. */
interface System {
  readonly name: string;
  readonly fire: (lane: number, i: number) => Promise<void>;
  /** Commits made so far (tickflow only; the peers' commits are not counted). */
  readonly commits: () => number;
  /** Milliseconds spent inside commits so far (tickflow only). */
  readonly commitMs: () => number;
  readonly close: () => Promise<void>;
}

/** The 3-node DAG's work, for the peers (which run one job per fire). */
const a = (x: number) => x + 1;
const b = (x: number) => x + 1;
const c = (x: number) => x + 1;

/**
 * tickflow firing the 3-node DAG from `lanes` push triggers. `oneFile`: the trigger store
 * and the run history share one SQLite file (`new DagProvenance(store.store)`), so a
 * run's start and end ride in the fire path's commits; else two files, each committing
 * on its own (before issue 15's one-connection commit structure).
 */
async function tickflowSystem(
  dir: string,
  lanes: number,
  oneFile: boolean,
  name: string,
): Promise<System> {
  const ns = new Namespace();
  const dag = new Dag();
  dag
    .node(({ i }: { i: number }) => a(i), { label: "a" })
    .to(dag.node(b, { label: "b" }))
    .to(dag.node(c, { label: "c" }));
  ns.register(dag, { nsref: "bench:chain" });
  for (let k = 0; k < lanes; k++) {
    ns.registerTrigger({ name: `push${k}`, dagNsref: "bench:chain", triggerType: "push" });
  }
  const store = new TriggerStore(path.join(dir, `${name}.db`));
  const provenance = oneFile
    ? new DagProvenance(store.store)
    : new DagProvenance(path.join(dir, `${name}-provenance.db`));
  const manager = new TriggerManager({ namespace: ns, store, provenance });
  const stores = oneFile ? [store.store] : [store.store, provenance.store];
  // Time spent inside the stores' outermost transactions (SQL and COMMIT): the share of
  // a fire that is the database's own work.
  let commitMs = 0;
  for (const sqlite of stores) {
    const transaction = sqlite.transaction.bind(sqlite);
    let depth = 0;
    sqlite.transaction = <T>(operation: string, fn: () => T): T => {
      const t0 = depth === 0 ? performance.now() : 0;
      depth += 1;
      try {
        return transaction(operation, fn);
      } finally {
        depth -= 1;
        if (depth === 0) commitMs += performance.now() - t0;
      }
    };
  }
  await Promise.all(Array.from({ length: lanes }, (_, k) => manager.activate(`push${k}`)));
  await manager.start();
  return {
    name,
    fire: async (lane, i) => {
      const result = await manager.fire(`push${lane}`, { i });
      if (result.status !== "completed") throw new Error(`tickflow fire ${result.status}`);
    },
    commits: () => stores.reduce((sum, sqlite) => sum + sqlite.commitCount, 0),
    commitMs: () => commitMs,
    close: async () => {
      await manager.stop();
      store.close();
      if (!oneFile) provenance.close();
    },
  };
}

/** A deferred per job id, resolved by the worker's completion. */
function completions() {
  const waiting = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  const early = new Set<string>();
  return {
    wait: (id: string) =>
      new Promise<void>((resolve, reject) => {
        if (early.delete(id)) resolve();
        else waiting.set(id, { resolve, reject });
      }),
    done: (id: string) => {
      const waiter = waiting.get(id);
      if (waiter === undefined) early.add(id);
      else {
        waiting.delete(id);
        waiter.resolve();
      }
    },
  };
}

/**
 * BullMQ as its guide shows it: a `Queue` to add jobs, a `Worker` (concurrency = the
 * fires in flight) to process them; a fire is done when the worker's `completed` event
 * for its job arrives (after BullMQ moved it to completed in Redis). Completed jobs are
 * kept (BullMQ's default), as tickflow keeps its history.
 */
async function bullmqSystem(concurrency: number): Promise<System> {
  const { Queue, Worker } = await import("bullmq");
  const ioredis = loadIORedis();
  if ("missing" in ioredis) throw new Error(ioredis.missing);
  // One client for the queue; BullMQ duplicates it for the worker's blocking connection.
  const client = ioredis.create({ ...peerServers.redis, maxRetriesPerRequest: null });
  const connection = client as never;
  const name = `tickflow-bench-${process.pid}-${concurrency}`;
  const queue = new Queue(name, { connection });
  await queue.obliterate({ force: true });
  const done = completions();
  const worker = new Worker(name, async (job) => c(b(a(job.data.i as number))), {
    connection,
    concurrency,
  });
  worker.on("completed", (job) => done.done(job.id as string));
  await worker.waitUntilReady();
  return {
    name: "bullmq",
    fire: async (_lane, i) => {
      const job = await queue.add("fire", { i });
      await done.wait(job.id as string);
    },
    commits: () => 0,
    commitMs: () => 0,
    close: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await client.quit();
    },
  };
}

/**
 * pg-boss as its docs show it: `send` a job, `work` it; after each send the worker is
 * woken with `notifyWorker` (pg-boss's documented way past its polling interval, at
 * least 0.5 s). A fire is done when the handler has returned (pg-boss then marks the
 * job completed without being awaited, which flatters it slightly).
 */
async function pgbossSystem(concurrency: number): Promise<System> {
  const { default: PgBoss } = await import("pg-boss");
  const boss = new PgBoss({
    connectionString: peerServers.postgres,
    schema: "tickflow_bench",
    supervise: false,
    schedule: false,
  });
  boss.on("error", () => {});
  await boss.start();
  const name = `tickflow_bench_${process.pid}_${concurrency}`;
  await boss.deleteQueue(name).catch(() => {});
  await boss.createQueue(name);
  const done = completions();
  const workerId = await boss.work<{ i: number }>(
    name,
    { batchSize: concurrency, pollingIntervalSeconds: 0.5 },
    async (jobs) => {
      for (const job of jobs) c(b(a(job.data.i)));
      for (const job of jobs) done.done(job.id);
    },
  );
  return {
    name: "pgboss",
    fire: async (_lane, i) => {
      const id = await boss.send(name, { i });
      if (id === null) throw new Error("pg-boss refused the job");
      boss.notifyWorker(workerId);
      await done.wait(id);
    },
    commits: () => 0,
    commitMs: () => 0,
    close: async () => {
      await boss.offWork(name);
      await boss.deleteQueue(name).catch(() => {});
      await boss.stop({ graceful: false, wait: false });
    },
  };
}

/** The `*_two_files` figures: tickflow with its run history in a second file. */
function twoFileMetrics(
  rates: ReadonlyMap<string, readonly number[]>,
  commits: ReadonlyMap<string, readonly number[]>,
  cpu: ReadonlyMap<string, readonly number[]>,
  shares: ReadonlyMap<string, readonly number[]>,
  limitPerS: number,
): Metrics {
  const of = (map: ReadonlyMap<string, readonly number[]>, key: string) =>
    median(map.get(key) ?? []);
  const out: Metrics = {};
  for (const [suffix, key] of [
    ["", "tickflow_two_files"],
    ["_16", "tickflow_two_files_16"],
  ] as const) {
    const rate = of(rates, key);
    out[`fires_per_s_two_files${suffix}`] = round(rate, 0);
    out[`commits_per_fire_two_files${suffix}`] = round(of(commits, key), 2);
    out[`ratio_to_commit_floor_two_files${suffix}`] = round(rate / limitPerS, 3);
    out[`cpu_us_per_fire_two_files${suffix}`] = round(of(cpu, key), 0);
    out[`commit_time_share_two_files${suffix}`] = round(of(shares, key), 3);
  }
  return out;
}

/** `fires` fires in `lanes` lanes (each lane one fire after another); returns fires/s. */
async function drive(system: System, fires: number, lanes: number): Promise<number> {
  const perLane = Math.ceil(fires / lanes);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = 0; i < perLane; i++) await system.fire(lane, lane * perLane + i);
    }),
  );
  return (perLane * lanes) / ((performance.now() - start) / 1000);
}

/**
 * `fire_throughput`: push fires of a 3-node DAG, one at a time (sequential) and 16 at a
 * time (16 push triggers), durable on SQLite with the default synchronous setting, the
 * trigger store and the run history in one file (the `*_two_files` figures: in two),
 * against BullMQ (Redis) and pg-boss (PostgreSQL) adding and processing one job per
 * fire, and against the raw single-row commit rate of SQLite on the same disk, measured
 * in the same rounds. Contenders alternate within each round (rotated, backwards every
 * other round), each turn after an unmeasured lead-in of its own; figures are medians.
 */
export async function fireThroughput(options: FireThroughputOptions): Promise<Metrics> {
  const dir = tempDir(options.dir, "fire");
  const lanes = options.concurrency;
  const skipped: Record<string, string> = {};
  const redis = await redisUnavailable();
  const postgres = await postgresUnavailable();
  if (redis !== undefined) skipped.bullmq = redis;
  if (postgres !== undefined) skipped.pgboss = postgres;

  const raw = rawCommits(path.join(dir, "raw.db"));
  const systems: {
    readonly key: string;
    readonly system: System;
    readonly lanes: number;
    readonly otel?: boolean;
  }[] = [];
  // The same tickflow with the OpenTelemetry SDK registered for its turn (in-memory export).
  const sdk = benchOtelSdk();
  let spans = 0;
  const turn = async (entry: (typeof systems)[number], run: () => Promise<void>) => {
    if (entry.otel) sdk.on();
    try {
      await run();
    } finally {
      if (entry.otel) spans += await sdk.off();
    }
  };
  try {
    // The main figures: one file (the trigger store and the run history on one
    // connection, as the CLI's `--db FILE` opens them); two files beside them.
    // Each on its own database, so that each one's history grows alike (a fire's cost
    // grows with the size of the indexes it writes).
    const tickflow = await tickflowSystem(dir, lanes, true, "tickflow");
    const twoFiles = await tickflowSystem(dir, lanes, false, "tickflow-two-files");
    const otel = await tickflowSystem(dir, lanes, true, "tickflow-otel");
    // One file and two files side by side in each mode: with rounds alternately
    // backwards, each gets the earlier slot in one round and the later in the next (listed
    // first, either one ran 10-25 % costlier).
    systems.push({ key: "tickflow", system: tickflow, lanes: 1 });
    systems.push({ key: "tickflow_two_files", system: twoFiles, lanes: 1 });
    systems.push({ key: "tickflow_16", system: tickflow, lanes });
    systems.push({ key: "tickflow_two_files_16", system: twoFiles, lanes });
    systems.push({ key: "tickflow_otel", system: otel, lanes: 1, otel: true });
    systems.push({ key: "tickflow_otel_16", system: otel, lanes, otel: true });
    if (redis === undefined) {
      systems.push({ key: "bullmq", system: await bullmqSystem(1), lanes: 1 });
      systems.push({ key: "bullmq_16", system: await bullmqSystem(lanes), lanes });
    }
    if (postgres === undefined) {
      systems.push({ key: "pgboss", system: await pgbossSystem(1), lanes: 1 });
      systems.push({ key: "pgboss_16", system: await pgbossSystem(lanes), lanes });
    }

    // Warm-up: JIT, page cache, connections.
    for (const entry of systems) {
      await turn(entry, async () => {
        await drive(entry.system, Math.min(200, options.fires), entry.lanes);
      });
    }

    const rates = new Map<string, number[]>(systems.map((s) => [s.key, []]));
    const commits = new Map<string, number[]>();
    const shares = new Map<string, number[]>();
    // Process CPU (user + system, this process: tickflow's whole fire path; the peers'
    // servers are elsewhere, so only tickflow's figure means anything) per fire.
    const cpu = new Map<string, number[]>();
    const limit: number[] = [];
    const slots = systems.length + 1;
    const leadIn = Math.max(32, Math.round(options.fires / 4));
    for (let r = 0; r < options.rounds; r++) {
      for (let k = 0; k < slots; k++) {
        // Rotated each round, and backwards every other round: with 2 rounds a plain
        // rotation kept the one-file contender in the first slots both times (right after
        // the warm-up, the peers and the raw commits), two files always after it.
        const at = (r + (r % 2 === 0 ? k : slots - 1 - k)) % slots;
        const entry = systems[at];
        if (entry === undefined) {
          // The raw commit limit takes its turn in the rotation like a contender.
          limit.push(raw.measure(1000));
          continue;
        }
        let before = 0;
        let msBefore = 0;
        let t0 = 0;
        let cpu0 = process.cpuUsage();
        await turn(entry, async () => {
          // An unmeasured lead-in of the same contender: the collection of the garbage
          // the previous turn left, and its code warming up again, fall in it, not in
          // the measured fires (the turn right after the warm-up paid 600–1,800 µs of
          // collection per fire; a turn early in round 0 ran colder than the rest).
          await drive(entry.system, leadIn, entry.lanes);
          before = entry.system.commits();
          msBefore = entry.system.commitMs();
          t0 = performance.now();
          cpu0 = process.cpuUsage();
          rates.get(entry.key)?.push(await drive(entry.system, options.fires, entry.lanes));
        });
        const used = process.cpuUsage(cpu0);
        const wall = performance.now() - t0;
        cpu.set(entry.key, [
          ...(cpu.get(entry.key) ?? []),
          (used.user + used.system) / options.fires,
        ]);
        const perFire = (entry.system.commits() - before) / options.fires;
        commits.set(entry.key, [...(commits.get(entry.key) ?? []), perFire]);
        shares.set(entry.key, [
          ...(shares.get(entry.key) ?? []),
          (entry.system.commitMs() - msBefore) / wall,
        ]);
      }
    }

    const rate = (key: string) => {
      const values = rates.get(key);
      return values === undefined || values.length === 0 ? null : round(median(values), 0);
    };
    const limitPerS = median(limit);
    const seq = median(rates.get("tickflow") ?? []);
    const conc = median(rates.get("tickflow_16") ?? []);
    const cpf = median(commits.get("tickflow") ?? []);
    const cpf16 = median(commits.get("tickflow_16") ?? []);
    const metrics: Metrics = {
      fires_per_s: round(seq, 0),
      commits_per_fire: round(cpf, 2),
      sqlite_commit_limit_per_s: round(limitPerS, 0),
      // The durable floor is one commit per fire: fires/s ÷ raw single-row commits/s on
      // the same disk in the same rounds (1 would be a fire as cheap as one bare commit).
      ratio_to_commit_floor: round(seq / limitPerS, 3),
      cpu_us_per_fire: round(median(cpu.get("tickflow") ?? []), 0),
      commit_time_share: round(median(shares.get("tickflow") ?? []), 3),
      commit_ms_per_fire: round(
        (1000 * median(shares.get("tickflow") ?? [])) / Math.max(seq, 1),
        3,
      ),
      fires_per_s_16: round(conc, 0),
      commits_per_fire_16: round(cpf16, 2),
      ratio_to_commit_floor_16: round(conc / limitPerS, 3),
      cpu_us_per_fire_16: round(median(cpu.get("tickflow_16") ?? []), 0),
      commit_time_share_16: round(median(shares.get("tickflow_16") ?? []), 3),
      // The same with the trigger store and the run history in two files (each commits
      // on its own: a run's start and end are commits of their own).
      ...twoFileMetrics(rates, commits, cpu, shares, limitPerS),
      // With the OpenTelemetry SDK registered (spans to memory); the figures above run
      // with none, the hooks then returning at their first check.
      otel_fires_per_s: rate("tickflow_otel"),
      otel_fires_per_s_16: rate("tickflow_otel_16"),
      otel_overhead_pct: round(100 * (1 - median(rates.get("tickflow_otel") ?? []) / seq), 1),
      otel_overhead_pct_16: round(
        100 * (1 - median(rates.get("tickflow_otel_16") ?? []) / conc),
        1,
      ),
      otel_spans: spans,
      bullmq_fires_per_s: rate("bullmq"),
      bullmq_fires_per_s_16: rate("bullmq_16"),
      pgboss_fires_per_s: rate("pgboss"),
      pgboss_fires_per_s_16: rate("pgboss_16"),
      fires: options.fires,
      rounds: options.rounds,
    };
    for (const [peer, reason] of Object.entries(skipped)) metrics[`${peer}_skipped`] = reason;
    return metrics;
  } finally {
    const closed = new Set<System>();
    for (const { system } of systems) {
      if (closed.has(system)) continue;
      closed.add(system);
      await system.close().catch(() => {});
    }
    raw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
