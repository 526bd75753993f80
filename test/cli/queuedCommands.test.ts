/**
 * `tickflow fire` and `tickflow deactivate` while `tickflow start` runs on the same
 * database: they are queued for the running supervisor, which applies them.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "./fixtures/tickflow.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = mkdtempSync(path.join(tmpdir(), "tickflow-queued-"));
const cli = (args: string[]) =>
  spawnSync(process.execPath, [...CLI, ...args, "--data", dir], {
    encoding: "utf8",
    timeout: 60_000,
  });
let supervisor: ChildProcess | undefined;

afterAll(() => {
  supervisor?.kill("SIGKILL");
});

describe("commands handed to a running supervisor", () => {
  it("fire runs through the supervisor and prints the result; deactivate takes effect", async () => {
    supervisor = spawn(
      process.execPath,
      [...CLI, "start", "examples/market.ts", "--for", "90", "--data", dir],
      {
        stdio: "ignore",
      },
    );
    const db = path.join(dir, "triggers.db");
    // Ready when the supervisor holds the lease and its triggers are active.
    for (let i = 0; i < 300; i++) {
      if (existsSync(db)) {
        const conn = new Database(db, { readonly: true });
        try {
          const lease = conn.prepare("SELECT owner_id FROM supervisor_lease").get();
          const active = conn
            .prepare("SELECT COUNT(*) AS n FROM trigger_activations WHERE status = 'active'")
            .get() as { n: number } | undefined;
          if (lease && (active?.n ?? 0) >= 4) break;
        } catch {
          // tables not there yet
        } finally {
          conn.close();
        }
      }
      await sleep(100);
    }

    const fired = cli([
      "fire",
      "orders",
      "--module",
      "examples/market.ts",
      "--payload",
      '{"orderId":5}',
    ]);
    expect(fired.status, fired.stderr).toBe(0);
    expect(fired.stderr).toContain("handed fire to it");
    expect(fired.stdout).toMatch(/fired orders: run [0-9a-f-]{36} completed/);
    expect(fired.stdout).toContain('process: "processed order 5"');

    // The key travels with the command: a second fire with it names the first run.
    const keyed = () =>
      cli([
        "fire",
        "orders",
        "--module",
        "examples/market.ts",
        "--payload",
        '{"orderId":6}',
        "--key",
        "hook-1",
        "--json",
      ]);
    const once = keyed();
    const twice = keyed();
    expect(once.status, once.stderr).toBe(0);
    expect(twice.status, twice.stderr).toBe(0);
    expect(JSON.parse(twice.stdout).runId).toBe(JSON.parse(once.stdout).runId);

    // The note travels with the command (issue 16, item 6).
    const off = cli(["deactivate", "market_summary", "--note", "maintenance", "--by", "ops"]);
    expect(off.status, off.stderr).toBe(0);
    expect(off.stderr).toContain("handed deactivate to it");
    // activate needs no --module while a supervisor runs: it has the definition.
    const on = cli(["activate", "market_summary", "--note", "back", "--by", "ops"]);
    expect(on.status, on.stderr).toBe(0);
    expect(on.stderr).toContain("handed activate to it");
    const offAgain = cli(["deactivate", "market_summary", "--note", "maintenance", "--by", "ops"]);
    expect(offAgain.status, offAgain.stderr).toBe(0);
    const conn = new Database(db, { readonly: true });
    const row = conn
      .prepare(
        "SELECT status, status_note, status_by FROM trigger_activations WHERE name = 'market_summary'",
      )
      .get() as { status: string; status_note: string; status_by: string };
    expect(row).toMatchObject({ status_note: "maintenance", status_by: "ops" });
    // A fire handed to the supervisor by the CLI is a manual fire.
    expect(
      conn.prepare("SELECT kind FROM trigger_events WHERE trigger_name = 'orders'").all(),
    ).toEqual([{ kind: "manual" }, { kind: "manual" }]);
    const commands = conn.prepare("SELECT kind, state FROM trigger_commands ORDER BY seq").all();
    conn.close();
    expect(row.status).toBe("disabled");
    expect(commands).toEqual([
      { kind: "fire", state: "done" },
      { kind: "fire", state: "done" },
      { kind: "fire", state: "done" },
      { kind: "deactivate", state: "done" },
      { kind: "activate", state: "done" },
      { kind: "deactivate", state: "done" },
    ]);

    const unknown = cli(["fire", "nope", "--module", "examples/market.ts"]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/nope/);
  }, 120_000);
});
