/**
 * Issue 14, 3g: `tickflow fire` beside another CLI call (not a supervisor) waits for
 * that call's short lease and then fires itself; it never queues a command that only the
 * next `tickflow start` would apply, long after it printed its answer.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { CLI } from "./fixtures/tickflow.js";

const dir = mkdtempSync(path.join(tmpdir(), "tickflow-cli-lease-"));
const args = (rest: string[]) => [...CLI, ...rest, "--data", dir];
const fireArgs = ["fire", "orders", "--module", "examples/market.ts", "--payload", '{"orderId":7}'];

/** Runs the CLI without blocking the test (which holds a lease meanwhile). */
function cli(rest: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, args(rest), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (chunk) => {
      stdout += String(chunk);
    });
    proc.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    proc.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The commands queued in the database (none may be, here). */
function commands(): unknown[] {
  const db = new Database(path.join(dir, "triggers.db"), { readonly: true });
  try {
    return db.prepare("SELECT seq, kind, state FROM trigger_commands").all();
  } finally {
    db.close();
  }
}

describe("a CLI call beside another CLI call's lease", () => {
  it("waits for it and fires itself; gives up with AnotherCommandRunning, never queues", async () => {
    const on = spawnSync(
      process.execPath,
      args(["activate", "orders", "--module", "examples/market.ts"]),
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(on.status, on.stderr).toBe(0);
    const store = new TriggerStore(path.join(dir, "triggers.db"));
    try {
      // Another CLI call's lease (as withManager names it), given back after 1.5 s.
      const other = "cli-other (tickflow fire)";
      const held = await store.backend.acquireLease(other, Date.now(), 30_000);
      expect("epoch" in held).toBe(true);
      const firing = cli(fireArgs);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await store.backend.releaseLease(other, (held as { epoch: number }).epoch, Date.now());
      const fired = await firing;
      const rows = commands();
      expect(fired.status, `${fired.stderr}\ncommands ${JSON.stringify(rows)}`).toBe(0);
      expect(fired.stderr).not.toContain("handed");
      expect(fired.stdout).toMatch(/fired orders: run [0-9a-f-]{36} completed/);
      expect(rows).toEqual([]);

      // Held past the wait: a typed refusal, non-zero exit, still nothing queued.
      const again = await store.backend.acquireLease(other, Date.now(), 60_000);
      expect("epoch" in again).toBe(true);
      const refused = await cli(fireArgs);
      await store.backend.releaseLease(other, (again as { epoch: number }).epoch, Date.now());
      expect(refused.status, refused.stdout).not.toBe(0);
      expect(refused.stderr).toContain("Another tickflow command (cli-other (tickflow fire))");
      expect(commands()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 90_000);
});
