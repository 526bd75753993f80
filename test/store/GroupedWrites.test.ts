/**
 * The run history's group commit on SQLite, where a full disk (SQLITE_FULL) inside a
 * batch makes SQLite roll back the whole transaction, not only the failing savepoint,
 * and where another connection's lock is waited out asynchronously (issue 14, 3f).
 */
import path from "node:path";
import Database from "better-sqlite3";
import { Effect, Exit } from "effect";
import { afterEach, expect, it } from "vitest";
import { DatabaseLocked, DiskFull } from "../../src/store/errors.js";
import { GroupedWrites } from "../../src/store/GroupedWrites.js";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { makeTempDir } from "./tempDir.js";

const { dir, cleanup } = makeTempDir();
afterEach(cleanup);

it("a write that fills the disk fails the whole batch with DiskFull, and none of it is committed", async () => {
  const store = SqliteStore.open(path.join(dir, "grouped.db"));
  try {
    store.run("create", "CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT)");
    const pages = store.get<{ page_count: number }>("pages", "PRAGMA page_count")?.page_count ?? 0;
    // A little room: the small rows fit, the big one needs pages beyond the cap.
    store.get("cap", `PRAGMA max_page_count = ${pages + 2}`);
    const writes = new GroupedWrites(store);
    const insert = (id: string, size: number) =>
      Effect.runPromiseExit(
        writes.write(`insert ${id}`, () => {
          store.run("insert", "INSERT INTO t (id, body) VALUES (?, ?)", [id, "x".repeat(size)]);
        }),
      );
    const exits = await Promise.all([insert("a", 10), insert("big", 200_000), insert("c", 10)]);
    const rows = store.all<{ id: string }>("read", "SELECT id FROM t ORDER BY id");
    const failures = exits.map((exit) =>
      Exit.isFailure(exit) ? String(exit.cause).slice(0, 120) : "committed",
    );
    // Every writer is told the truth: nothing of the batch is on disk, and why (DiskFull,
    // which the run path resumes after, not a generic error that fails the run for good).
    expect(rows, `rows ${JSON.stringify(rows)}; exits ${JSON.stringify(failures)}`).toEqual([]);
    for (const exit of exits) {
      expect(Exit.isFailure(exit), JSON.stringify(failures)).toBe(true);
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined;
        expect(error, JSON.stringify(failures)).toBeInstanceOf(DiskFull);
      }
    }
    // Each named by its own write: a run hears which of its writes was lost.
    expect(
      exits.map((exit) =>
        Exit.isFailure(exit) && exit.cause._tag === "Fail"
          ? (exit.cause.error as DiskFull).operation
          : undefined,
      ),
    ).toEqual(["insert a", "insert big", "insert c"]);
  } finally {
    store.close();
  }
});

it("a write that fails in a batch fails only its own writer, none of its rows committed; the others commit in one transaction", async () => {
  const store = SqliteStore.open(path.join(dir, "isolated.db"));
  try {
    store.run("create", "CREATE TABLE t (id TEXT PRIMARY KEY)");
    store.run("seed", "INSERT INTO t (id) VALUES ('taken')");
    const writes = new GroupedWrites(store);
    // Each write inserts two rows; the second write's second row breaks the primary key
    // after its first row went in.
    const insert = (first: string, second: string) =>
      Effect.runPromiseExit(
        writes.write(`insert ${first}`, () => {
          store.run("insert", "INSERT INTO t (id) VALUES (?)", [first]);
          store.run("insert", "INSERT INTO t (id) VALUES (?)", [second]);
        }),
      );
    const commits = store.commitCount;
    const exits = await Promise.all([
      insert("a1", "a2"),
      insert("b1", "taken"),
      insert("c1", "c2"),
    ]);
    expect(exits.map((exit) => Exit.isSuccess(exit))).toEqual([true, false, true]);
    const rows = store.all<{ id: string }>("read", "SELECT id FROM t ORDER BY id");
    expect(rows.map((row) => row.id)).toEqual(["a1", "a2", "c1", "c2", "taken"]);
    expect(store.commitCount - commits).toBe(1);
    // And a batch with no failure commits once, all of it.
    const again = await Promise.all([insert("d1", "d2"), insert("e1", "e2")]);
    expect(again.every((exit) => Exit.isSuccess(exit))).toBe(true);
    expect(store.commitCount - commits).toBe(2);
  } finally {
    store.close();
  }
});

it("a batch that meets another connection's lock waits for it asynchronously, writes asked meanwhile join it, all commit once it is released", async () => {
  const file = path.join(dir, "locked.db");
  const store = SqliteStore.open(file);
  const locker = new Database(file);
  try {
    store.run("create", "CREATE TABLE t (id TEXT PRIMARY KEY)");
    let release: () => void = () => {};
    const pauses: number[] = [];
    const writes = new GroupedWrites(store, {
      sleep: (ms) => {
        pauses.push(ms);
        // The test decides when the next try comes: the loop is free meanwhile.
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const insert = (id: string) =>
      Effect.runPromiseExit(
        writes.write(`insert ${id}`, () => {
          store.run("insert", "INSERT INTO t (id) VALUES (?)", [id]);
        }),
      );
    locker.exec("BEGIN IMMEDIATE");
    const first = insert("a");
    await new Promise((resolve) => setImmediate(resolve));
    expect(pauses).toEqual([5]);
    const second = insert("b");
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pauses).toEqual([5, 10]);
    locker.exec("COMMIT");
    release();
    const exits = await Promise.all([first, second]);
    expect(exits.map((exit) => exit._tag)).toEqual(["Success", "Success"]);
    expect(store.all<{ id: string }>("read", "SELECT id FROM t ORDER BY id")).toEqual([
      { id: "a" },
      { id: "b" },
    ]);
  } finally {
    if (locker.inTransaction) locker.exec("ROLLBACK");
    locker.close();
    store.close();
  }
});

it("a write that waited the whole busy timeout fails with DatabaseLocked naming it, and nothing of it is committed", async () => {
  const file = path.join(dir, "locked-long.db");
  const store = SqliteStore.open(file, { busyTimeoutMs: 200 });
  const locker = new Database(file);
  try {
    store.run("create", "CREATE TABLE t (id TEXT PRIMARY KEY)");
    const writes = new GroupedWrites(store, { sleep: async () => {} });
    locker.exec("BEGIN IMMEDIATE");
    const exit = await Effect.runPromiseExit(
      writes.write("insert a", () => {
        store.run("insert", "INSERT INTO t (id) VALUES ('a')");
      }),
    );
    locker.exec("ROLLBACK");
    const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : exit;
    expect(error).toBeInstanceOf(DatabaseLocked);
    expect((error as DatabaseLocked).timeoutMs).toBe(200);
    expect(store.all("read", "SELECT id FROM t")).toEqual([]);
  } finally {
    locker.close();
    store.close();
  }
});
