/**
 * What the PostgreSQL scenarios (`pg_fire_throughput`, `pg_tick_precision`) share:
 * supervisor child processes driven over IPC, waiting for the trigger split to settle,
 * fresh schemas, and the CPU of the PostgreSQL server and of the whole machine.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { peerServers, sleep, tempDir } from "./lib.js";
import type { ParentMessage, PgChildArgs, SupervisorMessage } from "./pgSupervisorChild.js";

const benchDir = path.dirname(fileURLToPath(import.meta.url));

/** One supervisor process of a contender, driven by messages. */
export interface SupervisorProcess {
  readonly index: number;
  /** Its owned triggers as it last reported them (every 200 ms). */
  owned: readonly string[];
  send(message: ParentMessage): void;
  /** The next message of `type` (those already received are not replayed). */
  next<T extends SupervisorMessage["type"]>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<SupervisorMessage, { type: T }>>;
  /** Resolves once the process has exited (killed after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<void>;
  kill(): void;
}

/**
 * Starts `bench/pgSupervisorChild.ts` in a fresh Node process (tsx's loader) with an
 * IPC channel; `args` go as JSON in argv.
 */
export function spawnSupervisor(index: number, args: PgChildArgs): SupervisorProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join(benchDir, "pgSupervisorChild.ts"), JSON.stringify(args)],
    { stdio: ["ignore", "ignore", "pipe", "ipc"], env: { ...process.env } },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const waiters: { type: string; resolve: (m: SupervisorMessage) => void }[] = [];
  let exitedWith: string | undefined;
  const failures: ((e: Error) => void)[] = [];
  const proc: SupervisorProcess = {
    index,
    owned: [],
    send: (message) => {
      if (child.connected) child.send(message);
    },
    next: (type, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        if (exitedWith !== undefined) {
          reject(new Error(`supervisor ${index} exited (${exitedWith}): ${tail(stderr)}`));
          return;
        }
        const timer = setTimeout(
          () => reject(new Error(`supervisor ${index}: no "${type}" within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as never);
          },
        });
        failures.push((e) => {
          clearTimeout(timer);
          reject(e);
        });
      }),
    exited: (timeoutMs = 15_000) =>
      new Promise((resolve) => {
        if (exitedWith !== undefined) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      }),
    kill: () => {
      if (exitedWith === undefined) child.kill("SIGKILL");
    },
  };
  child.on("message", (raw) => {
    const message = raw as SupervisorMessage;
    if (message.type === "owned") {
      proc.owned = message.owned;
      return;
    }
    const at = waiters.findIndex((w) => w.type === message.type);
    if (at >= 0) {
      const [waiter] = waiters.splice(at, 1);
      waiter?.resolve(message);
    }
  });
  child.on("exit", (code, signal) => {
    exitedWith = String(code ?? signal);
    if (code !== 0) {
      const error = new Error(`supervisor ${index} exited with ${exitedWith}: ${tail(stderr)}`);
      for (const fail of failures.splice(0)) fail(error);
    }
  });
  return proc;
}

const tail = (text: string) => text.trim().split("\n").slice(-5).join(" | ");

/**
 * Starts `n` supervisors on one database: the first activates the triggers (before its
 * `start()`), the others start once it has. Resolves when every one has started.
 */
export async function startSupervisors(
  n: number,
  args: Omit<PgChildArgs, "activate">,
): Promise<SupervisorProcess[]> {
  const procs: SupervisorProcess[] = [];
  try {
    const first = spawnSupervisor(0, { ...args, activate: true });
    procs.push(first);
    await first.next("started");
    for (let i = 1; i < n; i++) procs.push(spawnSupervisor(i, { ...args, activate: false }));
    await Promise.all(procs.slice(1).map((p) => p.next("started")));
    return procs;
  } catch (error) {
    for (const p of procs) p.kill();
    throw error;
  }
}

/**
 * Waits until the supervisors own every one of `triggers` triggers between them, none
 * twice, and no supervisor's list has changed for `stableMs`; returns how long it took.
 */
export async function waitForSplit(
  procs: readonly SupervisorProcess[],
  triggers: number,
  stableMs: number,
  timeoutMs = 60_000,
): Promise<number> {
  const started = Date.now();
  let last = "";
  let since = Date.now();
  for (;;) {
    const lists = procs.map((p) => p.owned);
    const key = lists.map((l) => l.join(",")).join("|");
    if (key !== last) {
      last = key;
      since = Date.now();
    }
    const all = lists.flat();
    const split = all.length === triggers && new Set(all).size === triggers;
    if (split && Date.now() - since >= stableMs) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `the triggers did not split in ${timeoutMs} ms: owned ${lists.map((l) => l.length).join(" + ")} of ${triggers}`,
      );
    }
    await sleep(100);
  }
}

/** Stops every supervisor (graceful, then killed) and waits for the processes to exit. */
export async function stopSupervisors(procs: readonly SupervisorProcess[]): Promise<void> {
  for (const p of procs) p.send({ type: "stop" });
  await Promise.all(procs.map((p) => p.exited()));
}

/** A schema name no earlier run used. */
export const freshSchema = (prefix: string) =>
  `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;

/** Runs one statement on the bench's PostgreSQL and closes the connection. */
export async function pgQuery<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: peerServers.postgres });
  await client.connect();
  try {
    return (await client.query(sql, [...params])).rows as R[];
  } finally {
    await client.end().catch(() => {});
  }
}

export const dropSchema = (schema: string) =>
  pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).then(
    () => undefined,
    () => undefined,
  );

/**
 * One contender's database for one round: a fresh PostgreSQL schema, or a fresh folder
 * for the SQLite files; `where` is what the supervisor children need to find it, and
 * `cleanup` drops it.
 */
export function roundDatabase(
  backend: "sqlite" | "postgres",
  name: string,
  dirRoot: string | undefined,
): {
  readonly schema: string | undefined;
  readonly where: Pick<PgChildArgs, "backend" | "url" | "schema" | "dir">;
  cleanup(): Promise<void>;
} {
  if (backend === "postgres") {
    const schema = freshSchema(`tickflow_bench_${name}`);
    return {
      schema,
      where: { backend, url: peerServers.postgres, schema },
      cleanup: () => dropSchema(schema),
    };
  }
  const dir = tempDir(dirRoot, `pg${name}`);
  return {
    schema: undefined,
    where: { backend, dir },
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The CPU time (user + system, ms) of every `postgres` process now, by pid. */
export function postgresCpu(): Map<number, number> {
  const byPid = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return byPid;
  }
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      if (comm !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      // utime, stime: fields 14 and 15 of stat (11 and 12 after the state), in ticks.
      const ticks = Number(fields[11]) + Number(fields[12]);
      byPid.set(Number(pid), ticks * 10);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return byPid;
}

/** CPU ms the `postgres` processes used between two {@link postgresCpu} snapshots. */
export function postgresCpuBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

/** The machine's CPU counters (all cores, ms): busy, idle, steal. */
export function machineCpu(): { busy: number; idle: number; steal: number } {
  try {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const [, user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .map(Number) as number[];
    const ms = (ticks: number | undefined) => (ticks ?? 0) * 10;
    return {
      busy: ms((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)),
      idle: ms((idle ?? 0) + (iowait ?? 0)),
      steal: ms(steal),
    };
  } catch {
    return { busy: Number.NaN, idle: Number.NaN, steal: Number.NaN };
  }
}
