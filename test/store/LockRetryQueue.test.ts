/**
 * Waiting out another connection's lock without blocking the event loop: tries of a few
 * ms inside SQLite, asynchronous pauses between them, call order kept, the budget counted
 * from the pauses scheduled (an injected sleep: no real time passes in these tests).
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { DatabaseLocked, StoreError } from "../../src/store/errors.js";
import { LockRetryQueue } from "../../src/store/LockRetryQueue.js";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { makeTempDir } from "./tempDir.js";

const { dir, cleanup } = makeTempDir();
let store: SqliteStore;
let locker: Database.Database;

beforeEach(() => {
  store = SqliteStore.open(path.join(dir, "locks.db"));
  store.run("create", "CREATE TABLE t (id TEXT PRIMARY KEY)");
  locker = new Database(path.join(dir, "locks.db"));
});
afterEach(() => {
  if (locker.inTransaction) locker.exec("ROLLBACK");
  locker.close();
  store.close();
  cleanup();
});

const insert = (id: string) => () =>
  store.transaction(`insert ${id}`, () =>
    store.run("insert", "INSERT INTO t (id) VALUES (?)", [id]),
  );
const ids = () =>
  store.all<{ id: string }>("read", "SELECT id FROM t ORDER BY rowid").map((r) => r.id);

it("runs a call at once when nothing waits: its write is done when run() returns", () => {
  const queue = new LockRetryQueue(store);
  void queue.run(insert("a"));
  expect(ids()).toEqual(["a"]);
  expect(queue.queued).toBe(0);
});

it("waits out a lock with pauses, then commits; calls asked meanwhile run after it, in order", async () => {
  const pauses: number[] = [];
  const queue = new LockRetryQueue(store, {
    budgetMs: 5_000,
    sleep: async (ms) => {
      pauses.push(ms);
      // The other connection commits during the third pause.
      if (pauses.length === 3) locker.exec("COMMIT");
    },
  });
  locker.exec("BEGIN IMMEDIATE");
  const first = queue.run(insert("a"));
  const read = queue.run(() => ids());
  const second = queue.run(insert("b"));
  // Nothing ran yet: the lock is held, and the later calls queue behind the first.
  expect(queue.queued).toBe(3);
  await Promise.all([first, second]);
  expect(await read).toEqual(["a"]);
  expect(ids()).toEqual(["a", "b"]);
  expect(pauses).toEqual([5, 10, 20]);
  expect(queue.queued).toBe(0);
});

it("gives up after the budget with DatabaseLocked naming the whole budget, not one try", async () => {
  let paused = 0;
  const queue = new LockRetryQueue(store, {
    budgetMs: 300,
    sleep: async (ms) => {
      paused += ms;
    },
  });
  locker.exec("BEGIN IMMEDIATE");
  const failure = await queue.run(insert("a")).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(DatabaseLocked);
  expect((failure as DatabaseLocked).timeoutMs).toBe(300);
  expect((failure as DatabaseLocked).operation).toBe("insert a");
  // Tries (5 ms each) and pauses add up to the budget: one more pause would pass it.
  expect(paused).toBeGreaterThan(0);
  expect(paused).toBeLessThanOrEqual(300);
  expect(paused + 5 * 8).toBeGreaterThanOrEqual(300);
  locker.exec("COMMIT");
  expect(ids()).toEqual([]);
});

it("a call queued behind a waiting one counts its time in the queue against its budget", async () => {
  const queue = new LockRetryQueue(store, { budgetMs: 100, sleep: async () => {} });
  locker.exec("BEGIN IMMEDIATE");
  const [first, second] = await Promise.allSettled([
    queue.run(insert("a")),
    queue.run(insert("b")),
  ]);
  expect(first?.status).toBe("rejected");
  expect(second?.status).toBe("rejected");
  expect((second as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseLocked);
});

it("a failure other than a lock rejects at once, with no pause, and the next call runs at once", async () => {
  const pauses: number[] = [];
  const queue = new LockRetryQueue(store, { sleep: async (ms) => void pauses.push(ms) });
  const failure = await queue
    .run(() => store.run("bad", "INSERT INTO nope VALUES (1)"))
    .catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(StoreError);
  expect(pauses).toEqual([]);
  void queue.run(insert("a"));
  expect(ids()).toEqual(["a"]);
});

it("a busy timeout of 0 fails at the first locked try (no wait at all)", async () => {
  const zero = SqliteStore.open(path.join(dir, "locks.db"), { busyTimeoutMs: 0 });
  try {
    const pauses: number[] = [];
    const queue = new LockRetryQueue(zero, { sleep: async (ms) => void pauses.push(ms) });
    locker.exec("BEGIN IMMEDIATE");
    const failure = await queue
      .run(() => zero.transaction("insert", () => zero.run("insert", "INSERT INTO t VALUES ('z')")))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DatabaseLocked);
    expect(pauses).toEqual([0]);
  } finally {
    zero.close();
  }
});

it("each try lowers the connection's busy timeout only for itself: synchronous callers keep theirs", async () => {
  const queue = new LockRetryQueue(store);
  const during = await queue.run(() =>
    store.get<{ timeout: number }>("read", "PRAGMA busy_timeout"),
  );
  expect(during?.timeout).toBe(5);
  expect(store.get<{ timeout: number }>("read", "PRAGMA busy_timeout")?.timeout).toBe(5_000);
});
