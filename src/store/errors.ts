import * as Data from "effect/Data";

/** The text of an underlying failure, for messages; never throws. */
const describe = (cause: unknown): string => {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
  }
  try {
    return String(cause);
  } catch {
    return Object.prototype.toString.call(cause);
  }
};

const codeOf = (cause: unknown): string | undefined => {
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
};

/**
 * An unexpected SQLite failure that none of the more specific store errors describes
 * (a bad statement, an I/O error, a file that cannot be opened).
 *
 * @example
 * ```ts
 * try {
 *   store.run("insert run", "INSERT INTO nope VALUES (1)");
 * } catch (e) {
 *   if (e instanceof StoreError) console.error(e.operation, e.message);
 * }
 * ```
 */
export class StoreError extends Data.TaggedError("StoreError")<{
  readonly operation: string;
  readonly path: string;
  readonly cause: unknown;
}> {
  override get message(): string {
    const code = codeOf(this.cause) ?? "";
    const hint =
      code === "SQLITE_CANTOPEN"
        ? " Check that the path is right, that the file exists when opening read-only, and that this process may read and write the file and its folder (SQLite also creates -wal and -shm files next to it)."
        : code.startsWith("SQLITE_")
          ? " If the statement is tickflow's own and this keeps happening, report it with this message."
          : "";
    return `tickflow store: "${this.operation}" failed on ${this.path}: ${describe(this.cause)}.${hint}`;
  }
}

/**
 * The file exists but is not a SQLite database (SQLITE_NOTADB), e.g. a text file at the
 * configured path. The file is left untouched.
 *
 * @example
 * ```ts
 * // given a text file at ./notes.txt:
 * SqliteStore.open("./notes.txt"); // throws NotADatabase
 * ```
 */
export class NotADatabase extends Data.TaggedError("NotADatabase")<{
  readonly path: string;
  readonly cause: unknown;
}> {
  override get message(): string {
    return `tickflow store: ${this.path} exists but is not a SQLite database (${describe(this.cause)}). It was not changed. Point tickflow at another path, or move this file away so a new database can be created there.`;
  }
}

/**
 * A write was attempted on a database that cannot be written: the store was opened with
 * `{ readonly: true }`, or the file (or its folder, or its -wal/-shm files) is not
 * writable by this process (SQLITE_READONLY, EACCES).
 *
 * @example
 * ```ts
 * const store = SqliteStore.open("runs.db", { readonly: true });
 * store.transaction("record run", () => {}); // throws DatabaseReadOnly
 * ```
 */
export class DatabaseReadOnly extends Data.TaggedError("DatabaseReadOnly")<{
  readonly path: string;
  readonly operation: string;
  readonly cause: unknown;
}> {
  override get message(): string {
    return `tickflow store: cannot "${this.operation}" on ${this.path}: the database is read-only (${describe(this.cause)}). Nothing was written. To write, give this process write permission on the file and its folder (SQLite also writes "-wal" and "-shm" files next to it) and open it without { readonly: true }; to only read it, open it with { readonly: true }.`;
  }
}

/**
 * Another connection held the write lock for longer than the busy timeout (SQLITE_BUSY).
 * Nothing of this operation was written; the other connection's data is intact.
 *
 * @example
 * ```ts
 * try {
 *   store.transaction("record run", () => store.run("insert", sql, params));
 * } catch (e) {
 *   if (e instanceof DatabaseLocked) retryLater(e.timeoutMs);
 * }
 * ```
 */
export class DatabaseLocked extends Data.TaggedError("DatabaseLocked")<{
  readonly path: string;
  readonly operation: string;
  readonly timeoutMs: number;
  readonly cause: unknown;
}> {
  override get message(): string {
    return `tickflow store: cannot "${this.operation}" on ${this.path}: another connection held the database lock for more than ${this.timeoutMs} ms (${describe(this.cause)}). Nothing was written. Another process (a second tickflow, a long write, a sqlite3 shell with an open transaction) is writing: stop it or retry later, or open the store with a larger busyTimeoutMs.`;
  }
}

/**
 * The database was written by a newer tickflow: its schema version is above the highest
 * migration this version knows. The file is not touched.
 *
 * @example
 * ```ts
 * try {
 *   SqliteStore.open("runs.db");
 * } catch (e) {
 *   if (e instanceof SchemaTooNew) console.error(`found ${e.found}, supported ${e.supported}`);
 * }
 * ```
 */
export class SchemaTooNew extends Data.TaggedError("SchemaTooNew")<{
  readonly path: string;
  readonly found: number;
  readonly supported: number;
}> {
  override get message(): string {
    return `tickflow store: ${this.path} has schema version ${this.found}, but this tickflow supports schema versions up to ${this.supported}. The database was written by a newer tickflow; upgrade tickflow to open it. The file was not changed.`;
  }
}

/**
 * SQLite found the file damaged (SQLITE_CORRUPT).
 *
 * @example
 * ```ts
 * if (e instanceof DatabaseCorrupt) console.error(e.message); // says how to recover
 * ```
 */
export class DatabaseCorrupt extends Data.TaggedError("DatabaseCorrupt")<{
  readonly path: string;
  readonly operation: string;
  readonly cause: unknown;
}> {
  override get message(): string {
    return `tickflow store: ${this.path} is corrupt (found during "${this.operation}": ${describe(this.cause)}). Stop every process that uses it, then restore it from a backup, or salvage it with \`sqlite3 "${this.path}" .recover | sqlite3 recovered.db\` and point tickflow at the recovered file.`;
  }
}

/**
 * The disk (or a quota) is full (SQLITE_FULL, ENOSPC). The failed transaction was rolled
 * back; nothing of it was committed.
 *
 * @example
 * ```ts
 * if (e instanceof DiskFull) alert(`free space near ${e.path}`);
 * ```
 */
export class DiskFull extends Data.TaggedError("DiskFull")<{
  readonly path: string;
  readonly operation: string;
  readonly cause: unknown;
}> {
  override get message(): string {
    return `tickflow store: cannot "${this.operation}" on ${this.path}: the disk or quota is full (${describe(this.cause)}). Nothing of this operation was committed. Free space on the disk that holds the file (and its -wal file), then retry.`;
  }
}

/**
 * The PostgreSQL server cannot be reached, or turned this connection away: connection
 * refused, unknown host, a connect timeout, authentication failed (SQLSTATE 28P01,
 * 28000), no such database (3D000), too many connections (53300), or the connection was
 * lost mid-statement (ECONNRESET, an administrator shutdown 57P01, the 08 class). Whether
 * a statement that was in flight committed is unknown; nothing later ran. The message
 * and fields never contain the password.
 *
 * @example
 * ```ts
 * try {
 *   await store.ready();
 * } catch (e) {
 *   if (e instanceof DatabaseUnreachable) console.error(`${e.host}:${e.port}: ${e.reason}`);
 * }
 * ```
 */
export class DatabaseUnreachable extends Data.TaggedError("DatabaseUnreachable")<{
  /** The connection URL with any password replaced by `***`. */
  readonly location: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** Short text, e.g. `connection refused (ECONNREFUSED)`. */
  readonly reason: string;
  readonly cause: unknown;
}> {
  /** The same as `location`: every store error names where it happened as `path`. */
  get path(): string {
    return this.location;
  }

  override get message(): string {
    return `tickflow store: cannot reach PostgreSQL at ${this.host}:${this.port}/${this.database}: ${this.reason}. ${unreachableHint(this.cause)}`;
  }
}

/** What to do about a {@link DatabaseUnreachable}, by its cause's code. */
const unreachableHint = (cause: unknown): string => {
  const code = codeOf(cause) ?? "";
  if (code === "28P01" || code === "28000") {
    return "Check the user name and password in the connection URL (or PGPASSWORD) and the server's pg_hba.conf.";
  }
  if (code === "3D000") {
    return "Create the database (e.g. `createdb <name>`) or fix the database name in the connection URL.";
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return "Check the host name in the connection URL.";
  }
  if (code === "53300") {
    return "The server has no free connection slots: lower the pool size (max) of the processes using it, or raise max_connections.";
  }
  if (code === "ECONNRESET" || code === "57P01" || code === "57P02" || code.startsWith("08")) {
    return "The connection was lost (server restart or network failure); retry once the server is back.";
  }
  return "Check that PostgreSQL is running and accepts TCP connections on that host and port (listen_addresses, firewall), and that the URL is right.";
};

/**
 * A package that only some uses of tickflow need is not installed: `pg` for a
 * `postgres://` URL or a `PgStore`. tickflow loads such a package only on the path that
 * needs it, so a SQLite user never installs it. Nothing was written.
 *
 * @example
 * ```ts
 * // in a project without the pg package:
 * await new TriggerStore("postgres://app@db/scheduler").listTriggers();
 * // OptionalDependencyMissing: tickflow: PostgreSQL needs the package "pg", which is not installed. Run: npm i pg
 * ```
 */
export class OptionalDependencyMissing extends Data.TaggedError("OptionalDependencyMissing")<{
  /** The package to install, e.g. `pg`. */
  readonly packageName: string;
  /** What needed it, e.g. `PostgreSQL`. */
  readonly feature: string;
  /** Where it was looked for (the store's location), for messages. */
  readonly path: string;
  readonly cause: unknown;
}> {
  override get message(): string {
    return `tickflow: ${this.feature} needs the package "${this.packageName}", which is not installed. Run: npm i ${this.packageName}`;
  }
}

/**
 * Any error the store throws on purpose: the store's error family.
 *
 * @example
 * ```ts
 * const describeFailure = (e: StoreFailure): string => `${e._tag}: ${e.message}`;
 * ```
 */
export type StoreFailure =
  | StoreError
  | NotADatabase
  | DatabaseReadOnly
  | DatabaseLocked
  | SchemaTooNew
  | DatabaseCorrupt
  | DiskFull
  | DatabaseUnreachable
  | OptionalDependencyMissing;

/**
 * Whether `value` is one of the store's typed errors (so it is passed on unchanged).
 *
 * @example
 * ```ts
 * if (isStoreFailure(e)) console.error(e._tag, e.message);
 * ```
 */
export const isStoreFailure = (value: unknown): value is StoreFailure =>
  value instanceof StoreError ||
  value instanceof NotADatabase ||
  value instanceof DatabaseReadOnly ||
  value instanceof DatabaseLocked ||
  value instanceof SchemaTooNew ||
  value instanceof DatabaseCorrupt ||
  value instanceof DiskFull ||
  value instanceof DatabaseUnreachable ||
  value instanceof OptionalDependencyMissing;

/**
 * Whether `value` is a {@link DatabaseUnreachable}: the database is away (as opposed to
 * a statement that is wrong), so a retry later may succeed.
 *
 * @example
 * ```ts
 * if (isDatabaseUnreachable(e)) scheduleRetry();
 * ```
 */
export const isDatabaseUnreachable = (value: unknown): value is DatabaseUnreachable =>
  value instanceof DatabaseUnreachable;
