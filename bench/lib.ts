/**
 * What every scenario of the benchmark suite shares: statistics, the raw SQLite commit
 * limit, temp folders, child processes and the peers' servers.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { sleep } from "./childLib.mjs";

export {
  childArgs,
  childDone,
  cpuMs,
  retainedHeapMb,
  round,
  rssMb,
  sleep,
  timedImport,
} from "./childLib.mjs";

/** A scenario's figures: metric name → value (the JSON's `scenarios.<id>`). */
export type Metrics = Record<string, number | string | null>;

/** One goal of the issue, checked against the figures. */
export interface Goal {
  readonly scenario: string;
  readonly text: string;
  readonly met: boolean | undefined;
  readonly value: string;
}

/**
 * The median of `values` (NaN when there are none).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The `q` quantile (0…1) of `values` by the nearest-rank method (NaN when empty).
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 2
 * ```
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Waits until the wall clock is `offsetMs` past a whole second. */
export async function alignToSecond(offsetMs: number): Promise<void> {
  const now = Date.now();
  const target = Math.ceil((now - offsetMs) / 1000) * 1000 + offsetMs;
  await sleep(Math.max(0, target - now + (target - now < 50 ? 1000 : 0)));
}

/** A fresh folder under `base` (default: the OS temp folder). */
export function tempDir(base: string | undefined, prefix: string): string {
  return fs.mkdtempSync(path.join(base ?? os.tmpdir(), `tickflow-bench-${prefix}-`));
}

/**
 * The raw limit: one INSERT per autocommit on a fresh better-sqlite3 connection with the
 * store's settings (WAL, synchronous NORMAL). `measure(ms)` returns commits per second.
 */
export function rawCommits(file: string): {
  readonly run: (deadline: number) => number;
  readonly measure: (ms: number) => number;
  readonly close: () => void;
} {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL, v TEXT)");
  const insert = db.prepare("INSERT INTO t (at, v) VALUES (?, ?)");
  const run = (deadline: number) => {
    let commits = 0;
    while (performance.now() < deadline) {
      // Check the clock every 64 commits: reading it is not free at this rate.
      for (let i = 0; i < 64; i++) insert.run(new Date().toISOString(), "completed");
      commits += 64;
    }
    return commits;
  };
  return {
    run,
    measure: (ms) => {
      const start = performance.now();
      const commits = run(start + ms);
      return commits / ((performance.now() - start) / 1000);
    },
    close: () => db.close(),
  };
}

const benchDir = path.dirname(fileURLToPath(import.meta.url));
/** The repository: a child started here imports `tickflow` as the package (dist/). */
export const repoDir = path.dirname(benchDir);

/** This process's environment without NODE_OPTIONS (a child's loaders are its own). */
export function plainEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  return env;
}

/**
 * Makes sure dist/ is the build of the current sources: runs `npm run build` when a
 * source file of src/ or machines/ has no compiled file in dist/ or is newer than it.
 * Returns whether it built.
 */
export function ensureBuilt(): boolean {
  const stale = (dir: string): boolean =>
    fs.readdirSync(path.join(repoDir, dir), { recursive: true, encoding: "utf8" }).some((rel) => {
      if (!rel.endsWith(".ts") || rel.endsWith(".d.ts")) return false;
      const source = path.join(repoDir, dir, rel);
      const built = path.join(repoDir, "dist", dir, rel.replace(/\.ts$/, ".js"));
      return !fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(source).mtimeMs;
    });
  if (!stale("src") && !stale("machines")) return false;
  execFileSync("npm", ["run", "build"], { cwd: repoDir, stdio: ["ignore", "ignore", "inherit"] });
  return true;
}

/**
 * Runs `bench/<file>` in a child Node process with `args` as JSON in argv, and resolves
 * to the JSON object it prints on its last stdout line. CPU and memory measured inside
 * the child belong to that scenario alone. A `.ts` child runs through tsx's loader; a
 * `.mjs` child runs with plain `node`, as a user runs the built package (it imports
 * `tickflow`, i.e. dist/; see {@link ensureBuilt}).
 */
export function runChild<T>(file: string, args: unknown, timeoutMs = 300_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const loader = file.endsWith(".ts") ? ["--import", "tsx"] : [];
    const child = spawn(
      process.execPath,
      // --expose-gc: a child may collect garbage before reading the heap it retains.
      ["--expose-gc", ...loader, path.join(benchDir, file), JSON.stringify(args)],
      { stdio: ["ignore", "pipe", "pipe"], env: plainEnv(), cwd: repoDir },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0) {
        reject(
          new Error(
            `${file} exited with ${code ?? signal}: ${stderr.trim().split("\n").slice(-5).join(" | ")}`,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${file} printed no JSON result: ${last.slice(0, 200)}`));
      }
    });
  });
}

/** Whether something listens on `host:port` (within `timeoutMs`). */
export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Where the peers' servers are (overridable for another machine). */
export const peerServers = {
  redis: {
    host: process.env.BENCH_REDIS_HOST ?? "127.0.0.1",
    port: Number(process.env.BENCH_REDIS_PORT ?? 6379),
  },
  postgres: process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
} as const;

/** Why the Redis peer cannot run here, or `undefined` when it can. */
export async function redisUnavailable(): Promise<string | undefined> {
  const client = loadIORedis();
  if ("missing" in client) return client.missing;
  const { host, port } = peerServers.redis;
  return (await reachable(host, port)) ? undefined : `no Redis at ${host}:${port}`;
}

/** The part of an ioredis client the bench touches (BullMQ takes the instance as it is). */
export interface RedisClient {
  quit(): Promise<unknown>;
}

/**
 * ioredis, which BullMQ 6 needs for Redis but lists as an optional peer: from the
 * project's node_modules when it is there, else from `NODE_PATH` (require honours it).
 * Returns the reason instead when it is nowhere.
 */
export function loadIORedis():
  | { readonly create: (options: Record<string, unknown>) => RedisClient }
  | { readonly missing: string } {
  try {
    const mod = createRequire(import.meta.url)("ioredis") as {
      default?: new (options: Record<string, unknown>) => RedisClient;
    } & (new (
      options: Record<string, unknown>,
    ) => RedisClient);
    const Redis = mod.default ?? mod;
    return { create: (options) => new Redis(options) };
  } catch {
    return {
      missing:
        "ioredis is not installed (BullMQ 6's optional Redis client; add it to devDependencies, or point NODE_PATH at a folder that has it)",
    };
  }
}

/** Why the PostgreSQL peer cannot run here, or `undefined` when it can. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const url = new URL(peerServers.postgres);
  const port = Number(url.port || 5432);
  if (!(await reachable(url.hostname, port))) return `no PostgreSQL at ${url.hostname}:${port}`;
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: peerServers.postgres });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${url.hostname}:${port} refused: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A small aligned text table: first column left, the rest right.
 *
 * @example
 * ```ts
 * console.log(table(["name", "n"], [["a", "1"]]));
 * ```
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
