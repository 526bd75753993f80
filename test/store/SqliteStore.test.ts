import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DatabaseLocked,
  DatabaseReadOnly,
  DiskFull,
  NotADatabase,
  SchemaTooNew,
  StoreError,
} from "../../src/store/errors.js";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { isRoot, makeTempDir } from "./tempDir.js";

let dir: string;
let cleanup: () => void;
const opened: SqliteStore[] = [];
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  vi.restoreAllMocks();
  cleanup();
});

/** Opens a store that afterEach closes. */
const open = (file: string, options?: Parameters<typeof SqliteStore.open>[1]) => {
  const store = SqliteStore.open(file, options);
  opened.push(store);
  return store;
};

/** The error `fn` throws (fails the test if it throws nothing). */
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, none was thrown");
};

const INSERT_RUN = "INSERT INTO dag_runs (run_id, status, started_at) VALUES (?, ?, ?)";
const insertRun = (store: SqliteStore, runId: string) =>
  store.run("insert run", INSERT_RUN, [runId, "running", new Date(0).toISOString()]);
const runIds = (store: SqliteStore) =>
  store
    .all<{ run_id: string }>("list runs", "SELECT run_id FROM dag_runs ORDER BY run_id")
    .map((r) => r.run_id);

describe("opening", () => {
  it("creates missing parent folders and resolves the path", () => {
    const file = path.join(dir, "a", "b", "c", "tickflow.db");
    const store = open(file);
    expect(fs.existsSync(file)).toBe(true);
    expect(store.path).toBe(file);
    expect(store.isReadonly).toBe(false);
    expect(store.schemaVersion).toBe(SqliteStore.supportedSchemaVersion);
  });

  it("turns WAL on: the -wal file sits next to the database", () => {
    const file = path.join(dir, "wal.db");
    const store = open(file);
    expect(store.get("journal mode", "PRAGMA journal_mode")).toEqual({ journal_mode: "wal" });
    insertRun(store, "r1");
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    store.close();
    // WAL is a property of the file, not only of the connection.
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("sets synchronous NORMAL, a 5 s busy timeout and foreign keys by default", () => {
    const store = open(path.join(dir, "pragmas.db"));
    expect(store.get("pragma", "PRAGMA synchronous")).toEqual({ synchronous: 1 });
    expect(store.get("pragma", "PRAGMA busy_timeout")).toEqual({ timeout: 5000 });
    expect(store.get("pragma", "PRAGMA foreign_keys")).toEqual({ foreign_keys: 1 });
  });

  it("honours synchronous FULL and a custom busy timeout", () => {
    const store = open(path.join(dir, "full.db"), { synchronous: "FULL", busyTimeoutMs: 123 });
    expect(store.get("pragma", "PRAGMA synchronous")).toEqual({ synchronous: 2 });
    expect(store.get("pragma", "PRAGMA busy_timeout")).toEqual({ timeout: 123 });
  });

  it("withBusyTimeout: SQL inside waits its ms (nested: the inner's, then the outer's again); SQL after waits the store's own", () => {
    const store = open(path.join(dir, "busy.db"), { busyTimeoutMs: 5000 });
    const timeout = () => store.get("pragma", "PRAGMA busy_timeout");
    for (let round = 0; round < 2; round++) {
      const inside = store.withBusyTimeout(7, () => {
        const outer = timeout();
        const inner = store.withBusyTimeout(9, timeout);
        return [outer, inner, timeout()];
      });
      expect(inside).toEqual([{ timeout: 7 }, { timeout: 9 }, { timeout: 7 }]);
      expect(timeout()).toEqual({ timeout: 5000 });
      store.withBusyTimeout(7, () => insertRun(store, `r${round}`));
      expect(store.transaction("read in a transaction", timeout)).toEqual({ timeout: 5000 });
      // Its own timeout asked for explicitly is simply that one.
      expect(store.withBusyTimeout(5000, timeout)).toEqual({ timeout: 5000 });
    }
  });

  it("refuses a transaction whose function returns a promise, and keeps nothing of it", () => {
    const store = open(path.join(dir, "async.db"));
    expect(() =>
      store.transaction("async body", () => {
        insertRun(store, "r-async");
        return Promise.resolve();
      }),
    ).toThrow(/returned a promise/);
    expect(store.get("count", "SELECT COUNT(*) AS n FROM dag_runs")).toEqual({ n: 0 });
    expect(store.inTransaction).toBe(false);
  });

  it("refuses bad options before touching anything", () => {
    const file = path.join(dir, "opts.db");
    expect(() => SqliteStore.open(file, { busyTimeoutMs: -1 })).toThrow(RangeError);
    expect(() =>
      SqliteStore.open(file, { synchronous: "OFF; DROP TABLE x" as unknown as "FULL" }),
    ).toThrow(RangeError);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("opens :memory: with the full schema", () => {
    const store = open(":memory:");
    expect(store.path).toBe(":memory:");
    expect(store.schemaVersion).toBe(SqliteStore.supportedSchemaVersion);
    insertRun(store, "r1");
    expect(runIds(store)).toEqual(["r1"]);
  });

  it("refuses a text file with NotADatabase and leaves it as it was", () => {
    const file = path.join(dir, "notes.txt");
    const text = "these are my notes, not a database\n".repeat(20);
    fs.writeFileSync(file, text);
    for (const options of [{}, { readonly: true }]) {
      const error = thrown(() => SqliteStore.open(file, options));
      expect(error).toBeInstanceOf(NotADatabase);
      expect(error).toMatchObject({ path: file });
      expect((error as NotADatabase).message).toContain(file);
    }
    expect(fs.readFileSync(file, "utf8")).toBe(text);
    expect(fs.readdirSync(dir)).toEqual(["notes.txt"]);
  });

  it("refuses a database from a newer tickflow with SchemaTooNew", () => {
    const file = path.join(dir, "new.db");
    const store = SqliteStore.open(file);
    store.run("fake future", "INSERT INTO schema_version VALUES (999, 'future', '')");
    store.close();
    expect(() => SqliteStore.open(file)).toThrow(SchemaTooNew);
  });
});

describe("read-only", () => {
  /** A migrated database with one run in it. */
  const seeded = (name: string) => {
    const file = path.join(dir, name);
    const store = SqliteStore.open(file);
    insertRun(store, "r1");
    store.close();
    return file;
  };

  it("{ readonly: true } reads, and refuses every write with DatabaseReadOnly", () => {
    const file = seeded("ro.db");
    const store = open(file, { readonly: true });
    expect(store.isReadonly).toBe(true);
    expect(runIds(store)).toEqual(["r1"]);

    let ran = false;
    const fromTransaction = thrown(() =>
      store.transaction("record run", () => {
        ran = true;
      }),
    );
    expect(fromTransaction).toBeInstanceOf(DatabaseReadOnly);
    expect(fromTransaction).toMatchObject({ path: file, operation: "record run" });
    expect(ran).toBe(false);

    // A write outside a transaction reaches SQLite, which refuses it.
    const fromRun = thrown(() => insertRun(store, "r2"));
    expect(fromRun).toBeInstanceOf(DatabaseReadOnly);
    expect(fromRun).toMatchObject({ operation: "insert run" });
    expect((fromRun as DatabaseReadOnly).message).toContain("readonly: true");

    expect(runIds(store)).toEqual(["r1"]);
    expect(store.commitCount).toBe(0);
  });

  it("{ readonly: true } does not create a missing file or folder", () => {
    const file = path.join(dir, "missing", "nope.db");
    const error = thrown(() => SqliteStore.open(file, { readonly: true }));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ operation: "open read-only", path: file });
    expect((error as StoreError).message).toContain("never creates");
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });

  it("{ readonly: true } neither migrates nor changes the journal mode", () => {
    const file = path.join(dir, "rollback.db");
    const raw = new Database(file);
    raw.exec("CREATE TABLE t (x TEXT)");
    raw.close();
    const store = open(file, { readonly: true });
    expect(store.schemaVersion).toBe(0);
    expect(store.get("journal mode", "PRAGMA journal_mode")).toEqual({ journal_mode: "delete" });
  });

  // As root, chmod does not stop writes, so a 0444 file is writable: skipped there; the
  // tests above and below prove the same errors without relying on permissions.
  it.skipIf(isRoot)("a chmod 0444 file: open for writing fails, { readonly: true } reads", () => {
    const file = seeded("locked-down.db");
    fs.chmodSync(file, 0o444);
    const error = thrown(() => SqliteStore.open(file));
    expect(error).toBeInstanceOf(DatabaseReadOnly);
    expect(error).toMatchObject({ path: file, operation: "open for writing" });
    expect((error as DatabaseReadOnly).message).toContain("readonly: true");

    const store = open(file, { readonly: true });
    expect(runIds(store)).toEqual(["r1"]);
    expect(() => store.transaction("record run", () => insertRun(store, "r2"))).toThrow(
      DatabaseReadOnly,
    );
  });

  it.skipIf(isRoot)("a read-only folder: open for writing fails with DatabaseReadOnly", () => {
    const folder = path.join(dir, "sealed");
    fs.mkdirSync(folder);
    fs.chmodSync(folder, 0o555);
    expect(() => SqliteStore.open(path.join(folder, "x.db"))).toThrow(DatabaseReadOnly);
  });

  it("a file the process may not write: open fails with DatabaseReadOnly (simulated, works as root)", () => {
    const file = seeded("denied.db");
    vi.spyOn(fs, "accessSync").mockImplementation(() => {
      throw Object.assign(new Error(`EACCES: permission denied, access '${file}'`), {
        code: "EACCES",
      });
    });
    const error = thrown(() => SqliteStore.open(file));
    expect(error).toBeInstanceOf(DatabaseReadOnly);
    expect(error).toMatchObject({ path: file, operation: "open for writing" });
    vi.restoreAllMocks();
    expect(runIds(open(file, { readonly: true }))).toEqual(["r1"]);
  });
});

describe("transactions and commitCount", () => {
  it("counts one commit per transaction", () => {
    const store = open(path.join(dir, "count.db"));
    expect(store.commitCount).toBe(0);
    for (const id of ["a", "b", "c"]) store.transaction("record run", () => insertRun(store, id));
    expect(store.commitCount).toBe(3);
    expect(runIds(store)).toEqual(["a", "b", "c"]);
  });

  it("counts nested transactions as part of the outer one", () => {
    const store = open(path.join(dir, "nested.db"));
    const result = store.transaction("outer", () => {
      insertRun(store, "a");
      store.transaction("inner", () => {
        insertRun(store, "b");
        store.transaction("innermost", () => insertRun(store, "c"));
      });
      return "done";
    });
    expect(result).toBe("done");
    expect(store.commitCount).toBe(1);
    expect(runIds(store)).toEqual(["a", "b", "c"]);
  });

  it("counts a run outside a transaction as an autocommit, not one inside", () => {
    const store = open(path.join(dir, "auto.db"));
    insertRun(store, "a");
    expect(store.commitCount).toBe(1);
    store.transaction("two runs", () => {
      insertRun(store, "b");
      insertRun(store, "c");
    });
    expect(store.commitCount).toBe(2);
    store.get("read", "SELECT 1");
    store.all("read", "SELECT 1");
    expect(store.commitCount).toBe(2);
  });

  it("rolls back and rethrows an error of the function as it is, counting no commit", () => {
    const store = open(path.join(dir, "rollback.db"));
    const boom = new Error("node failed");
    const error = thrown(() =>
      store.transaction("record run", () => {
        insertRun(store, "a");
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect(runIds(store)).toEqual([]);
    expect(store.commitCount).toBe(0);
  });

  it("rolls back only a failed nested part when the outer one catches it", () => {
    const store = open(path.join(dir, "savepoint.db"));
    store.transaction("outer", () => {
      insertRun(store, "a");
      expect(() =>
        store.transaction("inner", () => {
          insertRun(store, "b");
          throw new Error("inner failed");
        }),
      ).toThrow("inner failed");
      insertRun(store, "c");
    });
    expect(runIds(store)).toEqual(["a", "c"]);
    expect(store.commitCount).toBe(1);
  });

  it("passes a typed error from inside unchanged", () => {
    const store = open(path.join(dir, "typed.db"));
    insertRun(store, "a");
    const error = thrown(() => store.transaction("record run", () => insertRun(store, "a")));
    expect(error).toBeInstanceOf(StoreError);
    // The operation is the statement's, not replaced by the transaction's.
    expect(error).toMatchObject({ operation: "insert run" });
  });

  it("converts a raw SQLite error thrown inside into the typed error", () => {
    const store = open(path.join(dir, "raw.db"));
    const error = thrown(() =>
      store.transaction("record run", () => {
        throw new Database.SqliteError("database or disk is full", "SQLITE_FULL");
      }),
    );
    expect(error).toBeInstanceOf(DiskFull);
    expect(error).toMatchObject({ operation: "record run", path: store.path });
  });

  it("refuses an async function and rolls back what it did", () => {
    const store = open(path.join(dir, "async.db"));
    const error = thrown(() =>
      store.transaction("record run", async () => {
        insertRun(store, "a");
      }),
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(runIds(store)).toEqual([]);
    expect(store.commitCount).toBe(0);
  });

  it("group commit: 1000 inserts in one transaction are one commit", () => {
    const store = open(path.join(dir, "group.db"));
    store.transaction("record 1000 runs", () => {
      for (let i = 0; i < 1000; i++) insertRun(store, `run-${String(i).padStart(4, "0")}`);
    });
    expect(store.commitCount).toBe(1);
    expect(store.get("count", "SELECT COUNT(*) AS n FROM dag_runs")).toEqual({ n: 1000 });
  });
});

describe("statements", () => {
  it("binds positional and named parameters, and returns undefined for no row", () => {
    const store = open(":memory:");
    const result = insertRun(store, "r1");
    expect(result.changes).toBe(1);
    expect(
      store.get<{ status: string }>("load run", "SELECT status FROM dag_runs WHERE run_id = ?", [
        "r1",
      ]),
    ).toEqual({ status: "running" });
    expect(
      store.get("load run", "SELECT status FROM dag_runs WHERE run_id = @id", { id: "r1" }),
    ).toEqual({ status: "running" });
    expect(
      store.get("load run", "SELECT status FROM dag_runs WHERE run_id = ?", ["nope"]),
    ).toBeUndefined();
    // The cached statement is reused with other values.
    insertRun(store, "r2");
    expect(runIds(store)).toEqual(["r1", "r2"]);
  });

  it("reports bad SQL as a StoreError naming the operation", () => {
    const store = open(":memory:");
    for (const call of [
      () => store.run("bad insert", "INSERT INTO nowhere VALUES (1)"),
      () => store.get("bad insert", "SELEC 1"),
      () => store.all("bad insert", "SELECT nope FROM dag_runs"),
    ]) {
      const error = thrown(call);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ operation: "bad insert", path: ":memory:" });
      expect((error as StoreError).message).toContain("bad insert");
    }
  });

  it("reports wrong parameters as a StoreError", () => {
    const store = open(":memory:");
    expect(() => store.run("insert run", INSERT_RUN, ["only one"])).toThrow(StoreError);
  });
});

describe("two stores on one file (WAL)", () => {
  it("both read and write, and a reader is not blocked by an open write", () => {
    const file = path.join(dir, "shared.db");
    const a = open(file);
    const b = open(file);
    insertRun(a, "from-a");
    expect(runIds(b)).toEqual(["from-a"]);
    insertRun(b, "from-b");
    expect(runIds(a)).toEqual(["from-a", "from-b"]);

    a.transaction("slow write", () => {
      insertRun(a, "pending");
      // b reads the last committed state without waiting for a's lock.
      expect(runIds(b)).toEqual(["from-a", "from-b"]);
    });
    expect(runIds(b)).toEqual(["from-a", "from-b", "pending"]);
  });

  it("a writer behind another's lock fails with DatabaseLocked, and both keep their data", () => {
    const file = path.join(dir, "locked.db");
    const holder = open(file);
    const waiter = open(file, { busyTimeoutMs: 100 });
    insertRun(waiter, "before");

    holder.transaction("hold the lock", () => {
      insertRun(holder, "held");
      const started = Date.now();
      const error = thrown(() => waiter.transaction("record run", () => insertRun(waiter, "w")));
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(error).toBeInstanceOf(DatabaseLocked);
      expect(error).toMatchObject({ path: file, operation: "record run", timeoutMs: 100 });
      expect((error as DatabaseLocked).message).toContain("busyTimeoutMs");
      // An autocommit write waits and fails the same way.
      expect(() => insertRun(waiter, "w2")).toThrow(DatabaseLocked);
    });

    expect(waiter.commitCount).toBe(1);
    expect(runIds(waiter)).toEqual(["before", "held"]);
    // Once the lock is free, the retry goes through.
    waiter.transaction("record run", () => insertRun(waiter, "w"));
    expect(runIds(holder)).toEqual(["before", "held", "w"]);
  });
});

describe("closing", () => {
  it("is idempotent, and a closed store says so", () => {
    const file = path.join(dir, "close.db");
    const store = SqliteStore.open(file);
    insertRun(store, "r1");
    store.close();
    store.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const error = thrown(() => runIds(store));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain("closed");
    expect(() => store.transaction("x", () => 1)).toThrow(StoreError);
    expect(() => store.schemaVersion).toThrow(StoreError);
  });
});
