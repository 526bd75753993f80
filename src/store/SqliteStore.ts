import fs from "node:fs";
import nodePath from "node:path";
import Database from "better-sqlite3";
import { DatabaseReadOnly, SchemaTooNew, StoreError } from "./errors.js";
import { migrations } from "./migrations.js";
import { readSchemaVersion } from "./readSchemaVersion.js";
import { latestSchemaVersion, runMigrations } from "./runMigrations.js";
import { isSqliteError, toStoreError } from "./toStoreError.js";

/**
 * How to open a {@link SqliteStore}.
 *
 * @example
 * ```ts
 * const options: SqliteStoreOptions = { readonly: true, busyTimeoutMs: 1000 };
 * ```
 */
export interface SqliteStoreOptions {
  /**
   * Open for reading only: no folder is created, the file must exist, the journal mode
   * is left as it is, no migration runs, and every transaction or write fails with
   * `DatabaseReadOnly`. Use it to inspect a database this process may not write.
   * Default `false`.
   */
  readonly readonly?: boolean;
  /**
   * How long a statement waits for another connection's lock before failing with
   * `DatabaseLocked`. Default 5000. A synchronous call on the store waits inside SQLite,
   * blocking the event loop meanwhile; the trigger store and the run history's writes
   * wait the same time out asynchronously (tries of a few ms, pauses between them), so
   * a supervisor's timers and nodes keep running while another process holds the lock.
   */
  readonly busyTimeoutMs?: number;
  /**
   * SQLite's `synchronous` setting. Default `"NORMAL"`: in WAL mode a crash or `kill -9`
   * of the process loses nothing that was committed; only an OS crash or power loss can
   * lose the last few commits (never corrupt the file). `"FULL"` syncs the WAL on every
   * commit, closing that window at the cost of slower commits.
   */
  readonly synchronous?: "NORMAL" | "FULL";
}

/**
 * Values bound to a statement's placeholders: positional (`?`) as an array, named
 * (`@name`, `:name`, `$name`) as an object.
 *
 * @example
 * ```ts
 * const positional: SqlParams = ["run-1", "running"];
 * const named: SqlParams = { runId: "run-1" };
 * ```
 */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * What a write statement changed.
 *
 * @example
 * ```ts
 * const { changes } = store.run("finish run", "UPDATE dag_runs SET status = ?", ["ok"]);
 * ```
 */
export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
// SQL text is the cache key; tickflow's statements are fixed strings, so this bound only
// matters if someone builds SQL with values in it (they should bind parameters instead).
const STATEMENT_CACHE_LIMIT = 500;

const isInMemory = (path: string): boolean => path === ":memory:" || path === "";

/**
 * The one owner of a tickflow SQLite database: the connection, its pragmas, the numbered
 * migrations, transactions and cached statements. Every failure is one of the store's
 * typed errors (see `errors.ts`).
 *
 * @example
 * ```ts
 * const store = SqliteStore.open("data/tickflow.db");
 * store.transaction("record run", () => {
 *   store.run("insert run", "INSERT INTO dag_runs (run_id, status, started_at) VALUES (?, ?, ?)", [
 *     "run-1",
 *     "running",
 *     new Date().toISOString(),
 *   ]);
 * });
 * store.close();
 * ```
 */
export class SqliteStore {
  /**
   * Commits made through this store since it was opened: one per outermost
   * {@link SqliteStore.transaction} and one per {@link SqliteStore.run} outside a
   * transaction (an autocommit). Migrations run by `open` are not counted. Tests and
   * benchmarks read it (and may reset it) to count commits per run.
   */
  commitCount = 0;

  readonly #db: Database.Database;
  /** Outermost transactions begun on this connection (see {@link SqliteStore.transactionId}). */
  #transactions = 0;
  readonly #busyTimeoutMs: number;
  /** The connection's `busy_timeout` as last set. */
  #timeoutMs: number;
  /** How many `withBusyTimeout` calls are running (nested). */
  #timeoutDepth = 0;
  readonly #statements = new Map<string, Database.Statement<unknown[]>>();
  readonly #busyTimeoutStatements = new Map<number, Database.Statement>();
  /**
   * better-sqlite3's `BEGIN IMMEDIATE` wrapper, made once: `db.transaction(fn)` builds
   * four wrappers and defines their properties on every call (2–3 % of a fire's CPU when
   * made per transaction); this one takes the body as its argument.
   */
  readonly #immediate: (operation: string, body: () => unknown) => unknown;

  private constructor(
    db: Database.Database,
    /** The database file (absolute), or `":memory:"`. */
    readonly path: string,
    /** Whether the store was opened with `{ readonly: true }`. */
    readonly isReadonly: boolean,
    busyTimeoutMs: number,
  ) {
    this.#db = db;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#timeoutMs = busyTimeoutMs;
    this.#immediate = db.transaction((operation: string, body: () => unknown) => {
      const value = body();
      // better-sqlite3 would commit before an async body finished: refuse it, and roll
      // back whatever ran synchronously.
      if (typeof (value as { then?: unknown } | null)?.then === "function") {
        throw new TypeError(
          `transaction "${operation}": the function returned a promise; transactions must be synchronous`,
        );
      }
      return value;
    }).immediate;
  }

  /**
   * Opens (creating if needed, with its folder) the database at `path` and brings its
   * schema up to date. Synchronous, like better-sqlite3. Sets `journal_mode = WAL`,
   * `synchronous` (default `NORMAL`, see {@link SqliteStoreOptions.synchronous}),
   * `busy_timeout` and `foreign_keys = ON`. `":memory:"` opens a private in-memory
   * database (for tests).
   *
   * Throws `NotADatabase` for a file that is not SQLite, `SchemaTooNew` for a database
   * from a newer tickflow (without changing it), `DatabaseReadOnly` when opening for
   * writing a file or folder this process cannot write, `DatabaseLocked` when another
   * process holds the lock during a migration, `StoreError` otherwise. With
   * `{ readonly: true }` no migration runs: `schemaVersion` may then be below the latest.
   *
   * @example
   * ```ts
   * const store = SqliteStore.open("data/tickflow.db", { synchronous: "FULL" });
   * ```
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const readonly = options.readonly ?? false;
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const synchronous = options.synchronous ?? "NORMAL";
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new RangeError(`busyTimeoutMs must be a whole number ≥ 0, got ${busyTimeoutMs}`);
    }
    // Checked at run time too: it is spliced into a PRAGMA.
    if (synchronous !== "NORMAL" && synchronous !== "FULL") {
      throw new RangeError(`synchronous must be "NORMAL" or "FULL", got ${String(synchronous)}`);
    }
    const memory = isInMemory(path);
    const file = memory ? path : nodePath.resolve(path);
    const fail = (operation: string, cause: unknown) =>
      toStoreError(file, operation, cause, busyTimeoutMs);

    if (!memory && !readonly) SqliteStore.#prepareWritableFile(file, fail);
    if (!memory && readonly && !fs.existsSync(file)) {
      throw new StoreError({
        operation: "open read-only",
        path: file,
        cause: new Error(
          "no database file exists at this path (a read-only open never creates one)",
        ),
      });
    }

    let db: Database.Database;
    try {
      db = new Database(file, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
    } catch (cause) {
      throw fail(readonly ? "open read-only" : "open", cause);
    }

    try {
      // better-sqlite3 opens lazily: this first read is what rejects a file that is not a
      // database. It runs before any pragma that writes, so a database from a newer
      // tickflow is refused untouched.
      let found: number;
      try {
        found = readSchemaVersion(db);
      } catch (cause) {
        throw fail("read schema version", cause);
      }
      const supported = latestSchemaVersion(migrations);
      if (found > supported) throw new SchemaTooNew({ path: file, found, supported });

      try {
        db.pragma("foreign_keys = ON");
        if (!readonly) {
          // A read-only connection cannot change the journal mode; it reads WAL and
          // rollback-journal databases alike.
          const mode = db.pragma("journal_mode = WAL", { simple: true });
          if (!memory && mode !== "wal") {
            throw new Error(`SQLite kept journal_mode "${String(mode)}" instead of "wal"`);
          }
          db.pragma(`synchronous = ${synchronous}`);
        }
      } catch (cause) {
        throw fail("set pragmas", cause);
      }

      if (!readonly) runMigrations(db, file, migrations, busyTimeoutMs);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db, file, readonly, busyTimeoutMs);
  }

  /**
   * Creates the folder, and refuses up front a file or folder this process may not write:
   * SQLite would otherwise fall back to read-only silently and fail only at the first
   * write (and WAL needs the folder for its -wal and -shm files).
   */
  static #prepareWritableFile(
    file: string,
    fail: (operation: string, cause: unknown) => Error,
  ): void {
    const dir = nodePath.dirname(file);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (cause) {
      throw fail(`create folder ${dir}`, cause);
    }
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      if (fs.existsSync(file)) fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    } catch (cause) {
      throw fail("open for writing", cause);
    }
  }

  /**
   * The schema version recorded in the database (read each time: another process may
   * have migrated it).
   *
   * @example
   * ```ts
   * SqliteStore.open(":memory:").schemaVersion; // the latest version
   * ```
   */
  get schemaVersion(): number {
    this.#assertOpen("read schema version");
    try {
      return readSchemaVersion(this.#db);
    } catch (cause) {
      throw this.#fail("read schema version", cause);
    }
  }

  /**
   * The highest schema version this tickflow knows (its last migration).
   *
   * @example
   * ```ts
   * store.schemaVersion === SqliteStore.supportedSchemaVersion; // after a writable open
   * ```
   */
  static get supportedSchemaVersion(): number {
    return latestSchemaVersion(migrations);
  }

  /**
   * How long a statement may wait for another connection's lock, in all (the
   * `busyTimeoutMs` it was opened with). Synchronous calls wait that long inside SQLite;
   * the supervisor's writers wait it out asynchronously instead (see `LockWait`).
   */
  get busyTimeoutMs(): number {
    return this.#busyTimeoutMs;
  }

  /**
   * Runs `fn` (synchronous calls on this store) with SQLite waiting at most `ms` for a
   * lock held by another connection, then restores the store's own busy timeout. A
   * caller that must not block the event loop for long tries with a few ms and retries
   * later on `DatabaseLocked` (see `LockWait`); `busy_timeout` is a setting of the
   * connection in memory, so switching it costs no I/O.
   *
   * @example
   * ```ts
   * store.withBusyTimeout(5, () => store.run("insert", "INSERT INTO t VALUES (1)"));
   * ```
   */
  withBusyTimeout<T>(ms: number, fn: () => T): T {
    // A closed store: `fn` meets the closed connection itself (and reports its operation).
    if (!this.#db.open) return fn();
    const outer = this.#timeoutMs;
    const wanted = Math.max(0, Math.floor(ms));
    if (wanted !== outer) this.#setBusyTimeout(wanted);
    this.#timeoutDepth += 1;
    try {
      return fn();
    } finally {
      this.#timeoutDepth -= 1;
      // Inside another withBusyTimeout: its timeout again. Outermost: left as it is, and
      // put back to the store's own by the next call made without one (#ownTimeout), so
      // a writer trying again and again with the same few ms sets it once, not twice
      // per transaction.
      if (this.#timeoutDepth > 0 && this.#timeoutMs !== outer && this.#db.open) {
        this.#setBusyTimeout(outer);
      }
    }
  }

  /** Before SQL run outside `withBusyTimeout`: the store's own busy timeout. */
  #ownTimeout(): void {
    if (this.#timeoutDepth === 0 && this.#timeoutMs !== this.#busyTimeoutMs) {
      this.#setBusyTimeout(this.#busyTimeoutMs);
    }
  }

  /** Sets `busy_timeout` through a cached statement (`pragma()` prepares one per call). */
  #setBusyTimeout(ms: number): void {
    let statement = this.#busyTimeoutStatements.get(ms);
    if (statement === undefined) {
      statement = this.#db.prepare(`PRAGMA busy_timeout = ${ms}`);
      this.#busyTimeoutStatements.set(ms, statement);
    }
    statement.run();
    this.#timeoutMs = ms;
  }

  /**
   * Whether a transaction is open on this connection now. SQLite ends one by itself on
   * some errors (SQLITE_FULL, I/O errors), so a caller batching savepoints checks it.
   */
  get inTransaction(): boolean {
    return this.#db.inTransaction;
  }

  /**
   * Which outermost transaction is open on this connection now (a number no other
   * transaction of this store has), or `undefined` outside one: what a check made inside
   * a transaction may be remembered by, since no other connection writes until it ends.
   */
  get transactionId(): number | undefined {
    return this.#db.inTransaction ? this.#transactions : undefined;
  }

  /**
   * Runs `fn` inside `BEGIN IMMEDIATE … COMMIT` and returns its result; if `fn` throws,
   * everything it wrote is rolled back. Taking the write lock up front means the
   * transaction never fails half-way for a lock. A call inside another transaction joins
   * it (as a savepoint: its own failure rolls back only its part) and is not counted as
   * a commit. `fn` must be synchronous.
   *
   * SQLite failures become the store's typed errors; a typed store error or any other
   * error thrown by `fn` is rethrown as it is. On a read-only store it throws
   * `DatabaseReadOnly` without running `fn`.
   *
   * @example
   * ```ts
   * const id = store.transaction("record tick", () => {
   *   store.run("insert run", "INSERT INTO dag_runs (run_id, status, started_at) VALUES (?, ?, ?)", [
   *     "run-1",
   *     "running",
   *     new Date().toISOString(),
   *   ]);
   *   return "run-1";
   * });
   * ```
   */
  transaction<T>(operation: string, fn: () => T): T {
    this.#assertOpen(operation);
    if (this.isReadonly) {
      throw new DatabaseReadOnly({
        path: this.path,
        operation,
        cause: new Error("the store was opened with { readonly: true }"),
      });
    }
    this.#ownTimeout();
    const outermost = !this.#db.inTransaction;
    if (outermost) this.#transactions += 1;
    let result: T;
    try {
      result = this.#immediate(operation, fn) as T;
    } catch (error) {
      throw isSqliteError(error) ? this.#fail(operation, error) : error;
    }
    if (outermost) this.commitCount += 1;
    return result;
  }

  /**
   * Runs one write statement (cached by its SQL text). Outside a transaction it commits
   * on its own (an autocommit) and counts in {@link SqliteStore.commitCount}.
   *
   * @example
   * ```ts
   * store.run("finish run", "UPDATE dag_runs SET status = ? WHERE run_id = ?", ["ok", "run-1"]);
   * ```
   */
  run(operation: string, sql: string, params?: SqlParams): RunResult {
    const statement = this.#statement(operation, sql);
    const autocommit = !this.#db.inTransaction;
    let result: RunResult;
    try {
      result = statement.run(...bind(params));
    } catch (cause) {
      throw this.#fail(operation, cause);
    }
    if (autocommit) this.commitCount += 1;
    return result;
  }

  /**
   * The first row of a query, or `undefined` when there is none.
   *
   * @example
   * ```ts
   * const run = store.get<{ status: string }>("load run", "SELECT status FROM dag_runs WHERE run_id = ?", ["run-1"]);
   * ```
   */
  get<T = unknown>(operation: string, sql: string, params?: SqlParams): T | undefined {
    const statement = this.#statement(operation, sql);
    try {
      return statement.get(...bind(params)) as T | undefined;
    } catch (cause) {
      throw this.#fail(operation, cause);
    }
  }

  /**
   * All rows of a query.
   *
   * @example
   * ```ts
   * const runs = store.all<{ run_id: string }>("list runs", "SELECT run_id FROM dag_runs");
   * ```
   */
  all<T = unknown>(operation: string, sql: string, params?: SqlParams): T[] {
    const statement = this.#statement(operation, sql);
    try {
      return statement.all(...bind(params)) as T[];
    } catch (cause) {
      throw this.#fail(operation, cause);
    }
  }

  /**
   * Closes the connection. Safe to call twice. In WAL mode the last connection to close
   * folds the -wal file back into the database and removes it.
   *
   * @example
   * ```ts
   * store.close();
   * store.close(); // no-op
   * ```
   */
  close(): void {
    if (!this.#db.open) return;
    this.#statements.clear();
    this.#busyTimeoutStatements.clear();
    try {
      this.#db.close();
    } catch (cause) {
      throw this.#fail("close", cause);
    }
  }

  #statement(operation: string, sql: string): Database.Statement<unknown[]> {
    this.#assertOpen(operation);
    this.#ownTimeout();
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      try {
        statement = this.#db.prepare<unknown[]>(sql);
      } catch (cause) {
        throw this.#fail(operation, cause);
      }
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) {
        const oldest = this.#statements.keys().next();
        if (oldest.done !== true) this.#statements.delete(oldest.value);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #assertOpen(operation: string): void {
    if (!this.#db.open) {
      throw new StoreError({
        operation,
        path: this.path,
        cause: new Error("the store is closed; open a new SqliteStore"),
      });
    }
  }

  #fail(operation: string, cause: unknown) {
    return toStoreError(this.path, operation, cause, this.#busyTimeoutMs);
  }
}

const bind = (params: SqlParams | undefined): unknown[] =>
  params === undefined ? [] : Array.isArray(params) ? [...params] : [params];
