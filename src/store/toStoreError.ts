import Database from "better-sqlite3";
import {
  DatabaseCorrupt,
  DatabaseLocked,
  DatabaseReadOnly,
  DiskFull,
  isStoreFailure,
  NotADatabase,
  StoreError,
  type StoreFailure,
} from "./errors.js";

const codeOf = (value: unknown): string | undefined => {
  const code = (value as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
};

/**
 * Whether `value` is an error raised by SQLite through better-sqlite3. Duck-typed on the
 * `SQLITE_` code as well, so a second copy of better-sqlite3 in node_modules still counts.
 *
 * @example
 * ```ts
 * isSqliteError(new Database.SqliteError("busy", "SQLITE_BUSY")); // true
 * ```
 */
export const isSqliteError = (value: unknown): value is Database.SqliteError =>
  value instanceof Database.SqliteError ||
  (value instanceof Error && codeOf(value)?.startsWith("SQLITE_") === true);

/** `SQLITE_BUSY_SNAPSHOT` belongs to `SQLITE_BUSY`: better-sqlite3 reports extended codes. */
const isFamily = (code: string, family: string): boolean =>
  code === family || code.startsWith(`${family}_`);

/**
 * Maps a failure met while doing `operation` on the database at `path` to the store's
 * typed error: by the SQLite result code of a better-sqlite3 `SqliteError` (extended codes
 * such as `SQLITE_BUSY_SNAPSHOT` map like their primary code), or by the errno code of a
 * Node file-system error. A store error is returned unchanged; anything else becomes a
 * {@link StoreError}.
 *
 * `busyTimeoutMs` is only used for {@link DatabaseLocked}; it defaults to the store's
 * default busy timeout (5000 ms).
 *
 * @example
 * ```ts
 * try {
 *   db.prepare("INSERT INTO dag_runs (run_id) VALUES (?)").run(id);
 * } catch (e) {
 *   throw toStoreError("runs.db", "record run", e, 5000);
 * }
 * ```
 */
export function toStoreError(
  path: string,
  operation: string,
  cause: unknown,
  busyTimeoutMs = 5000,
): StoreFailure {
  if (isStoreFailure(cause)) return cause;
  const code = codeOf(cause);
  if (code === undefined) return new StoreError({ operation, path, cause });

  if (isSqliteError(cause)) {
    if (isFamily(code, "SQLITE_BUSY") || isFamily(code, "SQLITE_LOCKED")) {
      return new DatabaseLocked({ path, operation, timeoutMs: busyTimeoutMs, cause });
    }
    if (isFamily(code, "SQLITE_READONLY") || isFamily(code, "SQLITE_PERM")) {
      return new DatabaseReadOnly({ path, operation, cause });
    }
    if (isFamily(code, "SQLITE_NOTADB")) return new NotADatabase({ path, cause });
    if (isFamily(code, "SQLITE_CORRUPT")) return new DatabaseCorrupt({ path, operation, cause });
    if (isFamily(code, "SQLITE_FULL")) return new DiskFull({ path, operation, cause });
    // SQLITE_CANTOPEN has several causes (missing file, missing folder, permissions); the
    // StoreError message lists them rather than guessing one.
    return new StoreError({ operation, path, cause });
  }

  // Node file-system errors, e.g. from creating the folder or checking permissions.
  switch (code) {
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new DatabaseReadOnly({ path, operation, cause });
    case "ENOSPC":
    case "EDQUOT":
      return new DiskFull({ path, operation, cause });
    default:
      return new StoreError({ operation, path, cause });
  }
}
