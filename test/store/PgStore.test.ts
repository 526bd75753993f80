import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DatabaseUnreachable,
  isDatabaseUnreachable,
  isStoreFailure,
  SchemaTooNew,
  StoreError,
} from "../../src/store/errors.js";
import { isPostgresUrl } from "../../src/store/isPostgresUrl.js";
import { migrations } from "../../src/store/migrations.js";
import { PgStore, redactUrl, toPgStoreError } from "../../src/store/PgStore.js";
import { pgMigrations } from "../../src/store/pgMigrations.js";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { rejection } from "../supervisor/harness.js";
import { describePg, freshSchema, pgUrl } from "./pgAvailable.js";

/** The rejection of a promise (fails the test if it resolves). */

/** `pgUrl` with `path` as its database and a password put in. */
const withPassword = (url: string, database?: string): string => {
  const parsed = new URL(url);
  parsed.password = "s3cret";
  if (parsed.username === "") parsed.username = "postgres";
  if (database !== undefined) parsed.pathname = `/${database}`;
  return parsed.toString();
};

const stores: PgStore[] = [];
/** A store that afterEach closes. */
const connect = (url: string, options?: Parameters<typeof PgStore.connect>[1]) => {
  const store = PgStore.connect(url, options);
  stores.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describe("isPostgresUrl and redactUrl (no server needed)", () => {
  it("tells PostgreSQL URLs from file paths", () => {
    expect(isPostgresUrl("postgres://u@h/db")).toBe(true);
    expect(isPostgresUrl("postgresql://u@h:5433/db")).toBe(true);
    expect(isPostgresUrl("./data/tickflow.db")).toBe(false);
    expect(isPostgresUrl(":memory:")).toBe(false);
    expect(isPostgresUrl("/var/lib/postgres://x")).toBe(false);
  });

  it("replaces a password in the user info and in the parameters", () => {
    expect(redactUrl("postgres://bob:s3cret@db:5432/app")).toBe("postgres://bob:***@db:5432/app");
    expect(redactUrl("postgres://bob@db/app?password=s3cret&sslmode=require")).not.toContain(
      "s3cret",
    );
    expect(redactUrl("postgres://bob@db/app")).toBe("postgres://bob@db/app");
  });

  it("names host, port and database, and never the password", () => {
    const store = connect("postgres://bob:s3cret@db.internal:6543/runs");
    expect(store).toMatchObject({ host: "db.internal", port: 6543, database: "runs" });
    expect(store.location).toBe("postgres://bob:***@db.internal:6543/runs");
  });

  it("maps an authentication failure to DatabaseUnreachable with the server's reason", () => {
    const store = connect("postgres://bob:s3cret@db.internal:5432/runs");
    const cause = Object.assign(new Error('password authentication failed for user "bob"'), {
      code: "28P01",
      severity: "FATAL",
    });
    const error = toPgStoreError(store, "connect", cause);
    expect(error).toBeInstanceOf(DatabaseUnreachable);
    expect(error).toMatchObject({ host: "db.internal", port: 5432, database: "runs" });
    expect((error as DatabaseUnreachable).reason).toContain(
      'password authentication failed for user "bob"',
    );
    expect(error.message).toContain("db.internal:5432/runs");
    expect(error.message).toContain("password");
    expect(error.message).not.toContain("s3cret");
    expect(JSON.stringify(error)).not.toContain("s3cret");
  });

  it("maps any other server error to StoreError naming the operation", () => {
    const store = connect("postgres://bob:s3cret@db.internal:5432/runs");
    const cause = Object.assign(new Error('relation "nope" does not exist'), { code: "42P01" });
    const error = toPgStoreError(store, "list runs", cause);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain('"list runs"');
    expect(error.message).not.toContain("s3cret");
  });

  it("refuses bad options with a RangeError", () => {
    expect(() => PgStore.connect(pgUrl, { max: 0 })).toThrow(RangeError);
    expect(() => PgStore.connect(pgUrl, { schema: "Robert'); DROP" })).toThrow(RangeError);
  });
});

describePg("PgStore on a real server", () => {
  let scratch: Awaited<ReturnType<typeof freshSchema>>;
  beforeAll(async () => {
    scratch = await freshSchema(false);
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it("creates its schema and applies every migration once", async () => {
    const store = connect(pgUrl, { schema: scratch.schema });
    await store.ready();
    await store.ready(); // memoized
    expect(await store.schemaVersionNow()).toBe(migrations.length);
    expect(PgStore.supportedSchemaVersion).toBe(migrations.length);
    const rows = await store.query<{ version: number; name: string }>(
      "versions",
      "SELECT version, name FROM schema_version ORDER BY version",
    );
    expect(rows).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
    expect(pgMigrations.map((m) => [m.version, m.name])).toEqual(
      migrations.map((m) => [m.version, m.name]),
    );
    // A second store on the migrated schema applies nothing.
    const again = connect(pgUrl, { schema: scratch.schema });
    await again.ready();
    expect(await again.query("count", "SELECT count(*)::int AS n FROM schema_version")).toEqual([
      { n: migrations.length },
    ]);
  });

  it("has the same tables and columns as the SQLite schema (only trigger_events.ord extra)", async () => {
    const store = connect(pgUrl, { schema: scratch.schema });
    await store.ready();
    const pgColumns = await store.query<{
      table_name: string;
      column_name: string;
      data_type: string;
    }>(
      "columns",
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
      [scratch.schema],
    );
    const sqlite = SqliteStore.open(":memory:");
    try {
      const tables = sqlite
        .all<{ name: string }>(
          "tables",
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .map((t) => t.name);
      const pgTables = [...new Set(pgColumns.map((c) => c.table_name))].sort();
      expect(pgTables).toEqual([...tables].sort());
      const family = (type: string) =>
        /int/i.test(type) ? "integer" : /text|char/i.test(type) ? "text" : type.toLowerCase();
      for (const table of tables) {
        const expected = sqlite
          .all<{ name: string; type: string }>(
            "columns",
            `SELECT name, type FROM pragma_table_info(?)`,
            [table],
          )
          .map((c) => `${c.name}:${family(c.type)}`);
        const actual = pgColumns
          .filter((c) => c.table_name === table)
          .map((c) => `${c.column_name}:${family(c.data_type)}`);
        if (table === "trigger_events") {
          // `ord` (PostgreSQL only) came in a migration before columns added later.
          expect(actual.filter((c) => c !== "ord:integer")).toEqual(expected);
          expect(actual).toContain("ord:integer");
        } else expect(actual, table).toEqual(expected);
      }
    } finally {
      sqlite.close();
    }
  });

  it("migrates a fresh schema from several stores at once: each migration applied once", async () => {
    const fresh = await freshSchema(false);
    try {
      const many = [0, 1, 2].map(() => connect(pgUrl, { schema: fresh.schema, max: 2 }));
      await Promise.all(many.map((store) => store.ready()));
      const rows = await many[0]?.query<{ version: number }>(
        "versions",
        "SELECT version FROM schema_version ORDER BY version",
      );
      expect(rows?.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    } finally {
      await fresh.drop();
    }
  });

  it("migrates through options=-c search_path in the URL too", async () => {
    const fresh = await freshSchema(true);
    try {
      const store = connect(fresh.url);
      await store.ready();
      const [row] = await store.query<{ n: number }>(
        "count",
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1",
        [fresh.schema],
      );
      expect(row?.n).toBeGreaterThanOrEqual(10);
    } finally {
      await fresh.drop();
    }
  });

  it("refuses a database from a newer tickflow with SchemaTooNew, changing nothing", async () => {
    const fresh = await freshSchema(false);
    try {
      const first = connect(pgUrl, { schema: fresh.schema });
      await first.ready();
      await first.query(
        "newer",
        "INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'future', 'x')",
      );
      const newer = connect(pgUrl, { schema: fresh.schema });
      const error = await rejection(newer.ready());
      expect(error).toBeInstanceOf(SchemaTooNew);
      expect(error).toMatchObject({ found: 99, supported: migrations.length });
      expect((error as SchemaTooNew).message).toContain("schema version 99");
      expect((error as SchemaTooNew).message).toContain("upgrade tickflow");
      expect(await newer.schemaVersionNow()).toBe(99);
      // A query waits for ready() and fails the same way.
      expect(await rejection(newer.query("list", "SELECT 1"))).toBeInstanceOf(SchemaTooNew);
    } finally {
      await fresh.drop();
    }
  });

  it("fails an unreachable server with DatabaseUnreachable naming host:port, never the password", async () => {
    const store = connect("postgres://u:s3cret@127.0.0.1:1/test", { connectTimeoutMs: 2000 });
    const error = await rejection(store.ready());
    expect(error).toBeInstanceOf(DatabaseUnreachable);
    expect(isDatabaseUnreachable(error)).toBe(true);
    expect(isStoreFailure(error)).toBe(true);
    const e = error as DatabaseUnreachable;
    expect(e).toMatchObject({ host: "127.0.0.1", port: 1, database: "test" });
    expect(e.reason).toContain("ECONNREFUSED");
    expect(e.message).toContain("127.0.0.1:1");
    expect(e.message).not.toContain("s3cret");
    expect(e.location).not.toContain("s3cret");
    expect(e.path).toBe(e.location);
    // Not remembered: a later call tries again (and fails again).
    expect(await rejection(store.query("list", "SELECT 1"))).toBeInstanceOf(DatabaseUnreachable);
  });

  it("fails a database that does not exist with DatabaseUnreachable (3D000), never the password", async () => {
    const store = connect(withPassword(pgUrl, "no_such_db_xyz"));
    const error = await rejection(store.ready());
    expect(error).toBeInstanceOf(DatabaseUnreachable);
    const e = error as DatabaseUnreachable;
    expect(e.database).toBe("no_such_db_xyz");
    expect(e.reason).toContain("3D000");
    expect(e.message).toContain("no_such_db_xyz");
    expect(e.message).toContain("does not exist");
    expect(e.message).not.toContain("s3cret");
  });

  it("fails a bad statement with StoreError (not DatabaseUnreachable)", async () => {
    const store = connect(pgUrl, { schema: scratch.schema });
    const error = await rejection(store.query("select nothing", "SELECT * FROM no_such_table"));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).path).toBe(store.location);
    expect((error as StoreError).message).toContain("no_such_table");
  });

  it("commits a transaction, counts it, and rolls back on a throw rethrowing the original error", async () => {
    const store = connect(pgUrl, { schema: scratch.schema });
    await store.query("clean", "DELETE FROM supervisors");
    const before = store.commitCount;
    const result = await store.transaction("add", async (tx) => {
      await tx.query(
        "add",
        "INSERT INTO supervisors (owner_id, started_at, expires_at) VALUES ($1, $2, $3)",
        ["a", "t0", "t1"],
      );
      return "done";
    });
    expect(result).toBe("done");
    expect(store.commitCount).toBe(before + 1);

    class Refused extends Error {}
    const refused = new Refused("not now");
    const error = await rejection(
      store.transaction("add then refuse", async (tx) => {
        await tx.query(
          "add",
          "INSERT INTO supervisors (owner_id, started_at, expires_at) VALUES ($1, $2, $3)",
          ["b", "t0", "t1"],
        );
        throw refused;
      }),
    );
    expect(error).toBe(refused);
    expect(store.commitCount).toBe(before + 1);

    // A failing statement inside: its typed error, everything rolled back.
    const failed = await rejection(
      store.transaction("add twice", async (tx) => {
        await tx.query(
          "add",
          "INSERT INTO supervisors (owner_id, started_at, expires_at) VALUES ($1, $2, $3)",
          ["c", "t0", "t1"],
        );
        await tx.query(
          "add again",
          "INSERT INTO supervisors (owner_id, started_at, expires_at) VALUES ($1, $2, $3)",
          ["a", "t0", "t1"],
        );
      }),
    );
    expect(failed).toBeInstanceOf(StoreError);
    expect((failed as StoreError).operation).toBe("add again");
    const rows = await store.query<{ owner_id: string }>(
      "list",
      "SELECT owner_id FROM supervisors ORDER BY owner_id",
    );
    expect(rows.map((r) => r.owner_id)).toEqual(["a"]);
    expect(store.commitCount).toBe(before + 1);
  });

  it("turns a connection killed mid-transaction into DatabaseUnreachable, and recovers", async () => {
    // Its own application_name, so only this store's connections are killed.
    const name = `${scratch.schema}_kill`;
    const url = `${pgUrl}${pgUrl.includes("?") ? "&" : "?"}application_name=${name}`;
    const store = connect(url, { schema: scratch.schema, max: 2 });
    // In the scratch schema too: the public one is not this test's (and may hold any version).
    const killer = connect(pgUrl, { schema: scratch.schema });
    const error = await rejection(
      store.transaction("long work", async (tx) => {
        const [row] = await tx.query<{ pid: number }>("pid", "SELECT pg_backend_pid() AS pid");
        await killer.query("kill", "SELECT pg_terminate_backend($1)", [row?.pid]);
        await tx.query("after the kill", "SELECT 1");
      }),
    );
    expect(error).toBeInstanceOf(DatabaseUnreachable);
    expect((error as DatabaseUnreachable).reason).toMatch(/57P01|terminat|lost/i);
    // Idle connections killed too: the pool drops them without crashing and opens new ones.
    await killer.query(
      "kill all",
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
      [name],
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    let rows: unknown[] | undefined;
    for (let i = 0; i < 3 && rows === undefined; i++) {
      try {
        rows = await store.query("again", "SELECT 1 AS one");
      } catch (e) {
        expect(e).toBeInstanceOf(DatabaseUnreachable);
      }
    }
    expect(rows).toEqual([{ one: 1 }]);
  });

  it("closes idempotently; a closed store fails with StoreError", async () => {
    const store = PgStore.connect(pgUrl, { schema: scratch.schema });
    await store.ready();
    await store.close();
    await store.close();
    expect(store.isClosed).toBe(true);
    const error = await rejection(store.query("list", "SELECT 1"));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain("closed");
  });
});
