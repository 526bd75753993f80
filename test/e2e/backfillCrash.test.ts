/**
 * Issue 16, item 2: a backfill survives `kill -9`. A supervisor process works through a
 * backfill of 40 hourly ticks (each run 60 ms) and is SIGKILLed twice at random
 * points; each new life resumes it. At the end every tick of the range has exactly one
 * ledger row (kind `backfill`, completed) — none lost, none fired twice — every start
 * of a tick's node carries that row's event id (a run cut off was resumed, never fired
 * anew), and the backfill is recorded completed with 40 fired.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { exited, launchChild, logShows, ready, sleep } from "./fixtures/childProcesses.js";

const child = path.join(import.meta.dirname, "fixtures", "backfillChild.ts");
const HOUR = 3_600_000;
const TICKS = 40;

describe("backfill after kill -9", () => {
  it("resumes without losing or repeating a tick", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tickflow-backfill-crash-"));
    const dbFile = path.join(dir, "triggers.db");
    const logFile = path.join(dir, "effects.log");
    const from = Date.UTC(2026, 0, 1);
    const args = [
      dbFile,
      logFile,
      "bf-crash",
      new Date(from).toISOString(),
      new Date(from + TICKS * HOUR).toISOString(),
      "60",
    ];
    const starts = () =>
      readFileSync(logFile, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("start "));
    // Two lives killed mid-backfill, each after a few more runs started.
    for (let life = 1; life <= 2; life++) {
      const proc = launchChild(child, args);
      expect(await ready(proc, logFile), `life ${life} ready`).toBe(true);
      const before = starts().length;
      const wanted = before + 3 + Math.floor(Math.random() * 8);
      await logShows(logFile, () => starts().length >= wanted, { proc, timeoutMs: 15_000 });
      await sleep(Math.floor(Math.random() * 60));
      proc.kill("SIGKILL");
      await exited(proc, 5_000);
    }
    const last = launchChild(child, args);
    const finished = await logShows(logFile, (text) => text.includes("done "), {
      proc: last,
      timeoutMs: 20_000,
    });
    last.kill("SIGKILL");
    await exited(last, 5_000);
    const text = readFileSync(logFile, "utf8");
    expect(finished, text).toBe(true);
    expect(text).toContain(`done completed ${TICKS} 0`);

    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db
        .prepare(
          "SELECT event_id, scheduled_at, status, kind, backfill_id FROM trigger_events WHERE trigger_name = 'hourly' ORDER BY scheduled_at",
        )
        .all() as {
        event_id: string;
        scheduled_at: string;
        status: string;
        kind: string;
        backfill_id: string;
      }[];
      const expected = Array.from({ length: TICKS }, (_, i) =>
        new Date(from + i * HOUR).toISOString(),
      );
      // One row per tick: none lost, none fired twice.
      expect(rows.map((r) => r.scheduled_at)).toEqual(expected);
      expect(new Set(rows.map((r) => `${r.status} ${r.kind} ${r.backfill_id}`))).toEqual(
        new Set(["completed backfill bf-crash"]),
      );
      // Every start of a tick's node belongs to that tick's one fire.
      const eventOf = new Map(rows.map((r) => [r.scheduled_at, r.event_id]));
      const lines = starts().map((l) => l.split(" "));
      for (const [, tick, eventId, , kind] of lines) {
        expect(eventId, `tick ${tick}`).toBe(eventOf.get(tick as string));
        expect(kind).toBe("backfill");
      }
      expect(new Set(lines.map((l) => l[1]))).toEqual(new Set(expected));
      const record = db.prepare("SELECT * FROM trigger_backfills").get() as Record<string, unknown>;
      expect(record).toMatchObject({
        backfill_id: "bf-crash",
        status: "completed",
        fired: TICKS,
        skipped: 0,
      });
      console.log(
        `backfill crash: ${TICKS} ticks, 2 kills, ${lines.length} node starts (${lines.length - TICKS} resumed after a kill)`,
      );
    } finally {
      db.close();
    }
  }, 60_000);
});
