import type Database from "better-sqlite3";

/**
 * The highest version recorded in the `schema_version` table, or 0 when the database has
 * no such table yet (a new file). Reads only; SQLite errors are thrown as they are, for
 * the caller to map with `toStoreError`. Reading is also the cheapest way to make SQLite
 * look at the file header, so a file that is not a database fails here.
 *
 * @example
 * ```ts
 * const version = readSchemaVersion(new Database("runs.db")); // 0 for a new file
 * ```
 */
export function readSchemaVersion(db: Database.Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (table === undefined) return 0;
  const row = db
    .prepare("SELECT COALESCE(MAX(version), 0) AS version FROM schema_version")
    .get() as {
    version: number;
  };
  return row.version;
}
