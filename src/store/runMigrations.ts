import type Database from "better-sqlite3";
import { SchemaTooNew } from "./errors.js";
import type { Migration } from "./migrations.js";
import { readSchemaVersion } from "./readSchemaVersion.js";
import { toStoreError } from "./toStoreError.js";

const CREATE_SCHEMA_VERSION = `CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT,
  applied_at TEXT
)`;

/**
 * The highest schema version `list` describes: the version this tickflow supports.
 * Throws a plain `Error` if the list is not numbered 1, 2, 3, … in order, because that is
 * a bug in tickflow, not in the user's database.
 *
 * @example
 * ```ts
 * latestSchemaVersion(migrations); // e.g. 1
 * ```
 */
export function latestSchemaVersion(list: readonly Migration[]): number {
  list.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(
        `tickflow store: migration "${m.name}" has version ${m.version} at position ${i + 1}; migrations must be numbered 1, 2, 3, … in order`,
      );
    }
  });
  return list.length;
}

/**
 * Brings the database up to the latest version in `list`, one `BEGIN IMMEDIATE`
 * transaction per migration, and returns the version it ends at.
 *
 * Each transaction re-reads the version after taking the write lock, so when several
 * processes open the same new file at once, one applies each migration and the others
 * see it applied and skip it. A database newer than `list` raises {@link SchemaTooNew}
 * before anything is written. A failing migration rolls back whole and raises a typed
 * store error naming it; the migrations before it stay applied.
 *
 * @example
 * ```ts
 * const version = runMigrations(db, "runs.db", migrations, 5000);
 * ```
 */
export function runMigrations(
  db: Database.Database,
  path: string,
  list: readonly Migration[],
  busyTimeoutMs: number,
): number {
  const supported = latestSchemaVersion(list);
  let found: number;
  try {
    found = readSchemaVersion(db);
  } catch (cause) {
    throw toStoreError(path, "read schema version", cause, busyTimeoutMs);
  }
  if (found > supported) throw new SchemaTooNew({ path, found, supported });

  for (const migration of list) {
    if (migration.version <= found) continue;
    const operation = `migrate to schema version ${migration.version} (${migration.name})`;
    try {
      db.transaction(() => {
        db.exec(CREATE_SCHEMA_VERSION);
        // Another process may have migrated between our first read and this lock.
        const current = readSchemaVersion(db);
        if (current > supported) throw new SchemaTooNew({ path, found: current, supported });
        if (current >= migration.version) return;
        db.exec(migration.sql);
        db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)").run(
          migration.version,
          migration.name,
          new Date().toISOString(),
        );
      }).immediate();
    } catch (cause) {
      throw toStoreError(path, operation, cause, busyTimeoutMs);
    }
  }
  return supported;
}
