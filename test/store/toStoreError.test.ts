import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  DatabaseCorrupt,
  DatabaseLocked,
  DatabaseReadOnly,
  DiskFull,
  isStoreFailure,
  NotADatabase,
  SchemaTooNew,
  StoreError,
} from "../../src/store/errors.js";
import { isSqliteError, toStoreError } from "../../src/store/toStoreError.js";

const PATH = "/data/tickflow.db";
const sqlite = (code: string, message = "boom") => new Database.SqliteError(message, code);
const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

describe("toStoreError", () => {
  it.each([
    ["SQLITE_BUSY", DatabaseLocked],
    ["SQLITE_BUSY_SNAPSHOT", DatabaseLocked],
    ["SQLITE_LOCKED", DatabaseLocked],
    ["SQLITE_READONLY", DatabaseReadOnly],
    ["SQLITE_READONLY_DBMOVED", DatabaseReadOnly],
    ["SQLITE_PERM", DatabaseReadOnly],
    ["SQLITE_NOTADB", NotADatabase],
    ["SQLITE_CORRUPT", DatabaseCorrupt],
    ["SQLITE_CORRUPT_INDEX", DatabaseCorrupt],
    ["SQLITE_FULL", DiskFull],
    ["SQLITE_CANTOPEN", StoreError],
    ["SQLITE_ERROR", StoreError],
    ["SQLITE_IOERR_WRITE", StoreError],
    ["SQLITE_CONSTRAINT_PRIMARYKEY", StoreError],
  ] as const)("maps %s to its typed error", (code, expected) => {
    const cause = sqlite(code);
    const error = toStoreError(PATH, "record run", cause);
    expect(error).toBeInstanceOf(expected);
    expect(error.path).toBe(PATH);
    if ("cause" in error) expect(error.cause).toBe(cause);
    if ("operation" in error) expect(error.operation).toBe("record run");
  });

  it("does not confuse a code with a longer one of another family", () => {
    // SQLITE_FULLX is no real code; it must not be taken for SQLITE_FULL.
    expect(toStoreError(PATH, "op", sqlite("SQLITE_FULLX"))).toBeInstanceOf(StoreError);
  });

  it("carries the busy timeout into DatabaseLocked, 5000 ms by default", () => {
    const given = toStoreError(PATH, "commit", sqlite("SQLITE_BUSY"), 250);
    expect(given).toBeInstanceOf(DatabaseLocked);
    expect((given as DatabaseLocked).timeoutMs).toBe(250);
    const byDefault = toStoreError(PATH, "commit", sqlite("SQLITE_BUSY"));
    expect((byDefault as DatabaseLocked).timeoutMs).toBe(5000);
  });

  it("maps Node file-system errors by errno code", () => {
    expect(toStoreError(PATH, "create folder", errno("EACCES"))).toBeInstanceOf(DatabaseReadOnly);
    expect(toStoreError(PATH, "create folder", errno("EROFS"))).toBeInstanceOf(DatabaseReadOnly);
    expect(toStoreError(PATH, "create folder", errno("ENOSPC"))).toBeInstanceOf(DiskFull);
    expect(toStoreError(PATH, "create folder", errno("ENOENT"))).toBeInstanceOf(StoreError);
  });

  it("returns a store error unchanged", () => {
    const tooNew = new SchemaTooNew({ path: PATH, found: 9, supported: 1 });
    expect(toStoreError("/other.db", "other", tooNew)).toBe(tooNew);
    const locked = new DatabaseLocked({ path: PATH, operation: "x", timeoutMs: 1, cause: null });
    expect(toStoreError(PATH, "y", locked, 99)).toBe(locked);
  });

  it("wraps anything else in a StoreError that keeps the cause", () => {
    const cause = new TypeError("not a function");
    const error = toStoreError(PATH, "list runs", cause);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).cause).toBe(cause);
    expect(toStoreError(PATH, "list runs", "a string")).toBeInstanceOf(StoreError);
    expect(toStoreError(PATH, "list runs", undefined)).toBeInstanceOf(StoreError);
  });

  it("maps a real better-sqlite3 error", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE t (id TEXT PRIMARY KEY)");
    db.prepare("INSERT INTO t VALUES ('a')").run();
    let caught: unknown;
    try {
      db.prepare("INSERT INTO t VALUES ('a')").run();
    } catch (e) {
      caught = e;
    }
    db.close();
    expect(isSqliteError(caught)).toBe(true);
    const error = toStoreError(":memory:", "insert t", caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain("SQLITE_CONSTRAINT_PRIMARYKEY");
  });
});

describe("isSqliteError / isStoreFailure", () => {
  it("tells SQLite errors from others", () => {
    expect(isSqliteError(sqlite("SQLITE_BUSY"))).toBe(true);
    expect(isSqliteError(Object.assign(new Error("x"), { code: "SQLITE_FULL" }))).toBe(true);
    expect(isSqliteError(errno("EACCES"))).toBe(false);
    expect(isSqliteError(new Error("plain"))).toBe(false);
    expect(isSqliteError({ code: "SQLITE_BUSY" })).toBe(false);
  });

  it("tells store errors from others", () => {
    expect(isStoreFailure(new DiskFull({ path: PATH, operation: "x", cause: null }))).toBe(true);
    expect(isStoreFailure(sqlite("SQLITE_FULL"))).toBe(false);
  });
});

describe("messages say what failed, where, and what to do", () => {
  const cause = sqlite("SQLITE_X", "sqlite says no");

  it.each([
    [
      "StoreError",
      new StoreError({ operation: "list runs", path: PATH, cause }),
      ["list runs", "report"],
    ],
    [
      "NotADatabase",
      new NotADatabase({ path: PATH, cause }),
      ["not a SQLite database", "another path"],
    ],
    [
      "DatabaseReadOnly",
      new DatabaseReadOnly({ path: PATH, operation: "record run", cause }),
      ["record run", "read-only", "write permission", "readonly: true"],
    ],
    [
      "DatabaseLocked",
      new DatabaseLocked({ path: PATH, operation: "record run", timeoutMs: 750, cause }),
      ["record run", "750 ms", "busyTimeoutMs", "retry"],
    ],
    [
      "DatabaseCorrupt",
      new DatabaseCorrupt({ path: PATH, operation: "load run", cause }),
      ["corrupt", "backup"],
    ],
    [
      "DiskFull",
      new DiskFull({ path: PATH, operation: "record run", cause }),
      ["full", "Free space"],
    ],
  ] as const)("%s", (_name, error, parts) => {
    expect(error.message).toContain(PATH);
    expect(error.message).toContain("sqlite says no");
    for (const part of parts) expect(error.message).toContain(part);
    // The message is also what a thrown error shows.
    expect(String(error)).toContain(error.message);
    expect(error.stack).toContain(PATH);
  });

  it("SchemaTooNew names both versions and says to upgrade", () => {
    const error = new SchemaTooNew({ path: PATH, found: 999, supported: 1 });
    expect(error._tag).toBe("SchemaTooNew");
    expect(error.message).toContain("999");
    expect(error.message).toContain("up to 1");
    expect(error.message).toContain("upgrade tickflow");
    expect(error.message).toContain("not changed");
  });

  it("StoreError for SQLITE_CANTOPEN lists what to check", () => {
    const error = toStoreError(PATH, "open", sqlite("SQLITE_CANTOPEN", "unable to open"));
    expect(error.message).toContain("folder");
    expect(error.message).toContain("read-only");
  });
});
