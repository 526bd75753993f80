import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DatabaseLocked, SchemaTooNew, StoreError } from "../../src/store/errors.js";
import { type Migration, migrations } from "../../src/store/migrations.js";
import { readSchemaVersion } from "../../src/store/readSchemaVersion.js";
import { latestSchemaVersion, runMigrations } from "../../src/store/runMigrations.js";
import { SqliteStore } from "../../src/store/SqliteStore.js";
import { makeTempDir } from "./tempDir.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = makeTempDir());
});
afterEach(() => cleanup());

const latest = migrations.length;
const sha = (file: string) =>
  crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

interface VersionRow {
  version: number;
  name: string;
  applied_at: string;
}

describe("the migration list", () => {
  it("is numbered 1, 2, 3, … with unique names", () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length);
    expect(latestSchemaVersion(migrations)).toBe(latest);
    expect(SqliteStore.supportedSchemaVersion).toBe(latest);
    expect(migrations[0]?.name).toBe("provenance");
    expect(migrations[1]?.name).toBe("triggers");
  });

  it("refuses a misnumbered list", () => {
    const gap: Migration[] = [
      { version: 1, name: "a", sql: "" },
      { version: 3, name: "c", sql: "" },
    ];
    expect(() => latestSchemaVersion(gap)).toThrow(/version 3 at position 2/);
  });
});

describe("migration 1: provenance", () => {
  const columns = (store: SqliteStore, table: string) =>
    store.all<{ name: string; type: string; notnull: number; pk: number; dflt_value: unknown }>(
      "table info",
      `PRAGMA table_info(${table})`,
    );
  const indexed = (store: SqliteStore, table: string) =>
    store
      .all<{ name: string; origin: string }>("index list", `PRAGMA index_list(${table})`)
      .filter((i) => i.origin === "c")
      .map((i) =>
        store
          .all<{ name: string }>("index info", `PRAGMA index_info(${i.name})`)
          .map((c) => c.name)
          .join(","),
      )
      .sort();

  it("creates the run-history tables with the seed's columns and tickflow's additions", () => {
    const store = SqliteStore.open(path.join(dir, "p.db"));
    expect(columns(store, "dag_runs").map((c) => c.name)).toEqual([
      "run_id",
      "dag_nsref",
      "parent_run_id",
      "status",
      "started_at",
      "finished_at",
      "source_inputs_json",
      "sink_outputs_json",
      "dag_fingerprint",
      "dag_shape_json",
      "expansion_key",
      "error",
    ]);
    const nodes = columns(store, "node_executions");
    expect(nodes.map((c) => c.name)).toEqual([
      "run_id",
      "node_label",
      "status",
      "is_source",
      "is_sink",
      "input_json",
      "output_json",
      "started_at",
      "finished_at",
      "error",
      "attempt",
      // Migration 8: the run a cached node's output came from.
      "cached_from_run_id",
    ]);
    expect(nodes.filter((c) => c.pk > 0).map((c) => c.name)).toEqual(["run_id", "node_label"]);
    expect(nodes.find((c) => c.name === "attempt")).toMatchObject({
      type: "INTEGER",
      notnull: 1,
      dflt_value: "1",
    });
    expect(columns(store, "edge_traversals").map((c) => [c.name, c.notnull])).toEqual([
      ["run_id", 1],
      ["upstream_label", 1],
      ["downstream_label", 1],
      ["traversed_at", 1],
    ]);
    expect(indexed(store, "dag_runs")).toEqual([
      "dag_nsref,started_at",
      "parent_run_id",
      "started_at",
      "status",
    ]);
    expect(indexed(store, "edge_traversals")).toEqual(["run_id"]);
    store.close();
  });

  it("gives a node execution attempt 1 by default and refuses a run without an id", () => {
    const store = SqliteStore.open(":memory:");
    store.run(
      "insert node",
      "INSERT INTO node_executions (run_id, node_label, status, is_source, is_sink) VALUES (?, ?, ?, ?, ?)",
      ["r1", "fetch", "running", 1, 0],
    );
    expect(store.get("load node", "SELECT attempt FROM node_executions")).toEqual({ attempt: 1 });
    expect(() =>
      store.run(
        "insert run",
        "INSERT INTO dag_runs (run_id, status, started_at) VALUES (NULL, 'x', 'y')",
      ),
    ).toThrow(StoreError);
    store.close();
  });
});

describe("migration 8: node cache", () => {
  it("creates node_cache keyed by cache_key, with the times retention prunes by", () => {
    const store = SqliteStore.open(path.join(dir, "c.db"));
    const cols = store.all<{ name: string; notnull: number; pk: number }>(
      "table info",
      "PRAGMA table_info(node_cache)",
    );
    expect(cols.map((c) => [c.name, c.notnull, c.pk])).toEqual([
      ["cache_key", 1, 1],
      ["nsref", 1, 0],
      ["version", 1, 0],
      ["output_json", 0, 0],
      ["run_id", 1, 0],
      ["created_at", 1, 0],
      ["expires_at", 1, 0],
    ]);
    const indexes = store.all<{ name: string }>("index list", "PRAGMA index_list(node_cache)");
    expect(indexes.map((i) => i.name)).toContain("idx_node_cache_expires");
    store.close();
  });
});

describe("running migrations", () => {
  it("records each version in schema_version", () => {
    const file = path.join(dir, "v.db");
    const before = Date.now();
    const store = SqliteStore.open(file);
    const rows = store.all<VersionRow>("versions", "SELECT * FROM schema_version ORDER BY version");
    expect(rows.map((r) => [r.version, r.name])).toEqual(
      migrations.map((m) => [m.version, m.name]),
    );
    for (const row of rows) {
      expect(row.applied_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(row.applied_at)).toBeGreaterThanOrEqual(before - 1);
    }
    expect(store.schemaVersion).toBe(latest);
    store.close();
  });

  it("is idempotent on reopen: nothing re-applied, data kept", () => {
    const file = path.join(dir, "again.db");
    const first = SqliteStore.open(file);
    first.run(
      "insert run",
      "INSERT INTO dag_runs (run_id, status, started_at) VALUES ('r1', 'ok', '2024-01-01T00:00:00.000Z')",
    );
    const rowsBefore = first.all<VersionRow>("versions", "SELECT * FROM schema_version");
    first.close();
    for (let i = 0; i < 3; i++) {
      const again = SqliteStore.open(file);
      expect(again.all<VersionRow>("versions", "SELECT * FROM schema_version")).toEqual(rowsBefore);
      expect(again.get("count", "SELECT COUNT(*) AS n FROM dag_runs")).toEqual({ n: 1 });
      again.close();
    }
  });

  it("applies only the migrations appended since the last open", () => {
    const file = path.join(dir, "append.db");
    SqliteStore.open(file).close();
    const next: Migration = {
      version: latest + 1,
      name: "appended",
      sql: "CREATE TABLE appended_table (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    };
    const db = new Database(file);
    expect(runMigrations(db, file, [...migrations, next], 100)).toBe(latest + 1);
    expect(readSchemaVersion(db)).toBe(latest + 1);
    // Applying again does nothing.
    expect(runMigrations(db, file, [...migrations, next], 100)).toBe(latest + 1);
    const rows = db.prepare("SELECT version, name FROM schema_version ORDER BY version").all();
    expect(rows.at(-1)).toEqual({ version: latest + 1, name: "appended" });
    expect(rows).toHaveLength(latest + 1);
    db.close();
  });

  it("rolls a failing migration back whole and names it", () => {
    const file = path.join(dir, "bad.db");
    SqliteStore.open(file).close();
    const bad: Migration = {
      version: latest + 1,
      name: "broken",
      sql: "CREATE TABLE half_done (x TEXT); CREATE TABLEE oops (y TEXT);",
    };
    const db = new Database(file);
    let caught: unknown;
    try {
      runMigrations(db, file, [...migrations, bad], 100);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).operation).toBe(
      `migrate to schema version ${latest + 1} (broken)`,
    );
    expect(readSchemaVersion(db)).toBe(latest);
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get(),
    ).toBeUndefined();
    db.close();
  });

  it("fails with DatabaseLocked when another connection holds the write lock", () => {
    const file = path.join(dir, "busy.db");
    const holder = new Database(file);
    holder.pragma("journal_mode = WAL");
    holder.exec("CREATE TABLE other (x TEXT)"); // a WAL database that exists on disk
    holder.exec("BEGIN IMMEDIATE");
    const started = Date.now();
    let caught: unknown;
    try {
      SqliteStore.open(file, { busyTimeoutMs: 100 });
    } catch (e) {
      caught = e;
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(caught).toBeInstanceOf(DatabaseLocked);
    expect(caught).toMatchObject({
      timeoutMs: 100,
      operation: "migrate to schema version 1 (provenance)",
    });
    holder.exec("ROLLBACK");
    holder.close();
    // Nothing half-applied: a later open migrates normally.
    const store = SqliteStore.open(file);
    expect(store.schemaVersion).toBe(latest);
    store.close();
  });
});

describe("a database from a newer tickflow", () => {
  const makeTooNew = (file: string) => {
    SqliteStore.open(file).close();
    const db = new Database(file);
    db.prepare(
      "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', ?)",
    ).run(new Date().toISOString());
    db.close();
  };

  it("is refused with SchemaTooNew, and the file is not changed", () => {
    const file = path.join(dir, "future.db");
    makeTooNew(file);
    const hash = sha(file);
    const entries = fs.readdirSync(dir).sort();

    let caught: unknown;
    try {
      SqliteStore.open(file);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SchemaTooNew);
    expect(caught).toMatchObject({ path: file, found: 999, supported: latest });
    expect((caught as SchemaTooNew).message).toContain("upgrade tickflow");
    expect(sha(file)).toBe(hash);
    expect(fs.readdirSync(dir).sort()).toEqual(entries);
  });

  it("is refused read-only too", () => {
    const file = path.join(dir, "future-ro.db");
    makeTooNew(file);
    const hash = sha(file);
    expect(() => SqliteStore.open(file, { readonly: true })).toThrow(SchemaTooNew);
    expect(sha(file)).toBe(hash);
  });
});

describe("several openers of one new file", () => {
  it("two stores in one process: the second sees the schema and migrates nothing", () => {
    const file = path.join(dir, "two.db");
    const a = SqliteStore.open(file);
    const b = SqliteStore.open(file);
    expect(a.schemaVersion).toBe(latest);
    expect(b.schemaVersion).toBe(latest);
    expect(b.get("count", "SELECT COUNT(*) AS n FROM schema_version")).toEqual({ n: latest });
    a.close();
    b.close();
  });

  // "missing": the processes race to create the file and switch it to WAL; "empty WAL":
  // they pass the pragmas at once and race for the migration's write lock itself.
  it.each(["missing", "empty WAL"] as const)(
    "several processes at once on a %s file: each migration is applied exactly once",
    async (start) => {
      const file = path.join(dir, "race.db");
      if (start === "empty WAL") {
        const db = new Database(file);
        db.pragma("journal_mode = WAL");
        db.exec("CREATE TABLE scratch (x TEXT); DROP TABLE scratch;");
        db.close();
      }
      const fixture = fileURLToPath(new URL("./fixtures/openStore.ts", import.meta.url));
      const root = fileURLToPath(new URL("../../", import.meta.url));
      const children = Array.from({ length: 4 }, () =>
        spawn(process.execPath, ["--import", "tsx", fixture, file], {
          cwd: root,
          stdio: ["pipe", "pipe", "pipe"],
        }),
      );
      const outputs = children.map((child) => {
        let out = "";
        let err = "";
        let ready: () => void = () => {};
        const isReady = new Promise<void>((resolve) => {
          ready = resolve;
        });
        child.stdout?.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.startsWith("ready\n")) ready();
        });
        child.stderr?.on("data", (d: Buffer) => {
          err += d.toString();
        });
        const done = new Promise<{ code: number | null; out: string; err: string }>(
          (resolve, reject) => {
            child.on("error", reject);
            child.on("close", (code) => resolve({ code, out, err }));
          },
        );
        return { isReady, done };
      });
      // Release them together only once all have loaded their modules.
      await Promise.all(outputs.map((o) => o.isReady));
      for (const child of children) child.stdin?.end("go");
      const results = await Promise.all(outputs.map((o) => o.done));
      for (const r of results) {
        expect(r.code, r.out + r.err).toBe(0);
        expect(JSON.parse(r.out.split("\n")[1] ?? "")).toEqual({ ok: true, version: latest });
      }
      const db = new Database(file, { readonly: true });
      const rows = db.prepare("SELECT version FROM schema_version ORDER BY version").all();
      expect(rows).toEqual(migrations.map((m) => ({ version: m.version })));
      db.close();
    },
    30_000,
  );
});
