import type pg from "pg";
import { SchemaTooNew, type StoreFailure } from "./errors.js";
import { pgMigrations } from "./pgMigrations.js";
import { latestSchemaVersion } from "./runMigrations.js";

/** Serializes migrators across processes: "tick" in ASCII. Database-wide. */
const MIGRATION_LOCK_KEY = 0x7469636b;

/**
 * What the migration runner needs of a `PgStore`: where it is (for errors), the schema
 * it lives in, and its connections, taken and given back under the store's own limit.
 *
 * @example
 * ```ts
 * const connection: PgMigrationConnection = { location, schema, checkout, checkin, fail };
 * ```
 */
export interface PgMigrationConnection {
  /** The redacted connection URL. */
  readonly location: string;
  /** The schema given in the store's options (created when missing), if any. */
  readonly schema: string | undefined;
  checkout(operation: string): Promise<pg.PoolClient>;
  checkin(client: pg.PoolClient, broken: Error | undefined): void;
  /** `cause` as the store's typed error for `operation`. */
  fail(operation: string, cause: unknown): StoreFailure;
}

/**
 * Brings a PostgreSQL database up to the latest schema version, one migration per
 * transaction under an advisory lock (several processes starting at once on a new
 * database: one migrates, the others wait and find it done). Fails with `SchemaTooNew`
 * (nothing changed) or the store's typed error for the step that failed.
 *
 * @example
 * ```ts
 * await runPgMigrations({ location, schema, checkout, checkin, fail });
 * ```
 */
export async function runPgMigrations(connection: PgMigrationConnection): Promise<void> {
  const supported = latestSchemaVersion(pgMigrations);
  for (;;) {
    if (await migrationStep(connection, supported)) return;
  }
}

/**
 * One transaction: takes the migration lock, re-reads the version and applies the
 * next migration, if any. Returns whether the schema is up to date.
 */
async function migrationStep(
  connection: PgMigrationConnection,
  supported: number,
): Promise<boolean> {
  const { schema, location } = connection;
  const client = await connection.checkout("connect");
  let operation = "read schema version";
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    // Several processes starting at once on a new database: one migrates, the others
    // wait here and then find the version already applied.
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    if (schema !== undefined) {
      const found = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
      if (found.rowCount === 0) {
        operation = `create schema ${schema}`;
        await client.query(`CREATE SCHEMA "${schema}"`);
      }
    }
    const current = await readPgSchemaVersion(client);
    if (current > supported) {
      throw new SchemaTooNew({ path: location, found: current, supported });
    }
    const migration = pgMigrations[current];
    if (current >= supported || migration === undefined) {
      await client.query("COMMIT");
      return true;
    }
    operation = `migrate to schema version ${migration.version} (${migration.name})`;
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT,
  applied_at TEXT
)`);
    await client.query(migration.sql);
    await client.query(
      "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
      [migration.version, migration.name, new Date().toISOString()],
    );
    await client.query("COMMIT");
    return false;
  } catch (cause) {
    try {
      await client.query("ROLLBACK");
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw connection.fail(operation, cause);
  } finally {
    connection.checkin(client, broken);
  }
}

/**
 * The highest version in `schema_version`, or 0 when the table does not exist. Errors
 * are thrown as `pg` gives them, for the caller to map.
 *
 * @example
 * ```ts
 * await readPgSchemaVersion(client); // 0 for an empty database
 * ```
 */
export async function readPgSchemaVersion(client: pg.PoolClient): Promise<number> {
  const table = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('schema_version') IS NOT NULL AS exists",
  );
  if (table.rows[0]?.exists !== true) return 0;
  const row = await client.query<{ version: number }>(
    "SELECT COALESCE(MAX(version), 0)::integer AS version FROM schema_version",
  );
  return row.rows[0]?.version ?? 0;
}
