/**
 * `tickflow backfill`: recorded directly in the database when no supervisor runs (it runs
 * once one starts), handed to the running supervisor otherwise; `--list` and `--cancel`;
 * bad input refused with the typed error's message.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "./fixtures/tickflow.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cliIn = (dir: string) => (args: string[]) =>
  spawnSync(process.execPath, [...CLI, ...args, "--data", dir], {
    encoding: "utf8",
    timeout: 60_000,
  });
const MODULE = ["--module", "examples/market.ts"];
let supervisor: ChildProcess | undefined;

afterAll(() => {
  supervisor?.kill("SIGKILL");
});

interface Listed {
  id: string;
  triggerName: string;
  status: string;
  fired: number;
  skipped: number;
  position: string | null;
  viaSupervisor?: boolean;
}

describe("tickflow backfill", () => {
  it("with no supervisor: records the backfill, lists it, cancels it; refuses bad input", () => {
    const cli = cliIn(mkdtempSync(path.join(tmpdir(), "tickflow-backfill-")));
    expect(cli(["activate", "market_summary", ...MODULE]).status).toBe(0);
    const range = ["--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T00:00:10Z"];
    const made = cli(["backfill", "market_summary", ...MODULE, ...range, "--json"]);
    expect(made.status, made.stderr).toBe(0);
    const record = JSON.parse(made.stdout) as Listed;
    expect(record).toMatchObject({
      triggerName: "market_summary",
      status: "running",
      fired: 0,
      position: null,
      viaSupervisor: false,
    });
    const listed = cli(["backfill", "--list", "--json"]);
    expect((JSON.parse(listed.stdout) as Listed[]).map((b) => b.id)).toEqual([record.id]);
    // status --json shows the running backfill under its trigger.
    const status = JSON.parse(cli(["status", "--json"]).stdout) as {
      name: string;
      backfills: Listed[];
    }[];
    expect(status.find((t) => t.name === "market_summary")?.backfills).toEqual([
      expect.objectContaining({ id: record.id, status: "running" }),
    ]);
    const cancelled = cli(["backfill", "--cancel", record.id, "--json"]);
    expect(cancelled.status, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: record.id, status: "cancelled" });

    const refused: [string[], RegExp][] = [
      [["backfill", "--cancel", "nope"], /No backfill has the id "nope"/],
      [
        ["backfill", "market_summary", ...MODULE, "--from", "nope", "--to", "2026-01-01T00:00:10Z"],
        /ISO-8601/,
      ],
    ];
    for (const [args, message] of refused) {
      const out = cli(args);
      expect(out.status, args.join(" ")).not.toBe(0);
      expect(out.stderr).toMatch(message);
    }
    // The table lists it, cancelled; nothing was recorded by the refused calls.
    const table = cli(["backfill", "--list"]);
    expect(table.stdout).toContain(record.id);
    expect(table.stdout).toMatch(/cancelled/);
    expect(table.stdout.split("\n").filter((line) => /^[0-9a-f]{8}-/.test(line))).toHaveLength(1);
  }, 240_000);

  it("while a supervisor runs: handed to it, which fires the range (kind backfill)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tickflow-backfill-run-"));
    const cli = cliIn(dir);
    // Ticks every 2 s before the supervisor (and so the trigger's activation) began.
    const to = new Date(Math.floor(Date.now() / 10_000) * 10_000 - 10_000);
    const from = new Date(to.getTime() - 10_000);
    supervisor = spawn(
      process.execPath,
      [...CLI, "start", "examples/market.ts", "--for", "120", "--data", dir],
      { stdio: "ignore" },
    );
    const db = path.join(dir, "triggers.db");
    for (let i = 0; i < 900; i++) {
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
    const made = cli([
      "backfill",
      "market_summary",
      ...MODULE,
      "--from",
      from.toISOString(),
      "--to",
      to.toISOString(),
      "--json",
    ]);
    expect(made.status, made.stderr).toBe(0);
    expect(made.stderr).toContain("handed backfill to it");
    const record = JSON.parse(made.stdout) as Listed;
    expect(record.viaSupervisor).toBe(true);
    let final: Listed | undefined;
    for (let i = 0; i < 200 && final?.status !== "completed"; i++) {
      await sleep(100);
      final = (JSON.parse(cli(["backfill", "--list", "--json"]).stdout) as Listed[])[0];
    }
    expect(final).toMatchObject({ id: record.id, status: "completed", fired: 5, skipped: 0 });
    const conn = new Database(db, { readonly: true });
    try {
      const rows = conn
        .prepare(
          "SELECT scheduled_at FROM trigger_events WHERE backfill_id = ? AND kind = 'backfill' ORDER BY scheduled_at",
        )
        .all(record.id) as { scheduled_at: string }[];
      expect(rows.map((r) => r.scheduled_at)).toEqual(
        Array.from({ length: 5 }, (_, i) => new Date(from.getTime() + i * 2_000).toISOString()),
      );
    } finally {
      conn.close();
    }
    supervisor.kill("SIGKILL");
  }, 240_000);
});
