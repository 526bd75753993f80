/**
 * Crash torture: a real supervisor process is killed with SIGKILL at random moments and
 * at every named step of the fire path (fault hooks), restarted each time, then stopped
 * gracefully. The database and the side-effect log must then show: every tick once, no
 * run left running, no finished node run again, deactivation kept, and a journal that
 * replays to the stored snapshot, and a poll cursor that steps once per fire (no step
 * lost or repeated) — also for bufferAll, cancelOther and allowAll
 * triggers whose runs often outlast their second (under bufferAll no tick is lost: each
 * is completed, or held in the snapshot to fire at the next start). Pushes with keys,
 * retried by the next process when a kill came before their run was heard of, leave one
 * ledger row and one run per key (issue 17, item 2).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { countsAgainstLimit } from "../../src/inspect/fireLimit.js";
import { FAULT_STEPS } from "../../src/supervisor/FaultStep.js";
import { exited, launchChild, ready, sleep } from "./fixtures/childProcesses.js";
import { finishedReruns, nodeStarts, readLog } from "./fixtures/effectLog.js";
import {
  expectCursorSteps,
  expectEventsMatchRunsHeld,
  expectEveryTickHeld,
  expectEveryTickOnce,
  expectJournalsReplay,
  expectOneRunPerKey,
  type Held,
} from "./fixtures/tortureInvariants.js";
import { LIMITED, OVERLAPPING } from "./fixtures/tortureNamespace.js";

const child = path.join(import.meta.dirname, "fixtures", "tortureChild.ts");

/** Starts a supervisor on the file (with a fault hook: it kills itself there). */
const launch = (db: string, log: string, owner: string, fault?: [string, number]) =>
  launchChild(child, [db, log, owner, ...(fault ? [fault[0], String(fault[1])] : [])]);

interface Figures {
  kills: number;
  faultKills: number;
  ticksChecked: number;
  resumedRuns: number;
  rerunNodes: number;
  /** Nodes logged done and started again (a kill between a node's end and its record). */
  finishedReruns?: number;
  /** Fires of the cursor trigger, each one cursor step. */
  cursorSteps?: number;
  /**
   * Keys pushed, those pushed more than once (after a kill), the pushes of a key a killed
   * process had committed the fire of (the retry answered by the first run), and acked.
   */
  keys?: { pushed: number; retried: number; retriedCommitted: number; acked: number };
  /** Ledger rows of each overlapping trigger, by status. */
  overlapRows?: Record<string, Record<string, number>>;
  /** Scheduled fires on record of each maxFires trigger (each exactly its limit). */
  limitedFires?: Record<string, number>;
}

/** The fires a trigger's stored snapshot holds. */
function heldBy(db: Database.Database, name: string): Held {
  const row = db
    .prepare("SELECT snapshot_json FROM trigger_activations WHERE name = ?")
    .get(name) as { snapshot_json: string };
  return (JSON.parse(row.snapshot_json) as { context: Held }).context;
}

/** The five invariants, read from the database file and the side-effect log. */
function checkInvariants(
  dbFile: string,
  logFile: string,
  // Whether the run lasted long enough for the maxFires triggers to use up their limit
  // (the 30-kill torture does; the two-supervisor test fires for ~20 s).
  { limitsSpent }: { readonly limitsSpent: boolean },
): Omit<Figures, "kills" | "faultKills"> {
  const db = new Database(dbFile, { readonly: true });
  try {
    // 1. Every tick of the window appears exactly once (unique key: at most once; here: no gaps).
    let ticksChecked = 0;
    const overlapRows: Record<string, Record<string, number>> = {};
    for (const name of ["every_all", "every_latest"]) {
      const rows = db
        .prepare(
          "SELECT scheduled_at, status FROM trigger_events WHERE trigger_name = ? AND scheduled_at IS NOT NULL ORDER BY scheduled_at",
        )
        .all(name) as { scheduled_at: string; status: string }[];
      expectEveryTickOnce(name, rows, { minRows: 5, catchUpAll: name === "every_all" });
      ticksChecked += rows.length;
    }
    // 1b. The overlapping triggers: every tick once, finished or held by the machine's
    // snapshot (a run in flight, a kept tick); under bufferAll none is skipped or missed.
    for (const { name, overlap } of OVERLAPPING) {
      const rows = db
        .prepare(
          "SELECT scheduled_at, status, event_id FROM trigger_events WHERE trigger_name = ? AND scheduled_at IS NOT NULL ORDER BY scheduled_at",
        )
        .all(name) as { scheduled_at: string; status: string; event_id: string }[];
      const finished = {
        bufferAll: ["completed"],
        cancelOther: ["completed", "cancelled", "missed"],
        allowAll: ["completed", "skipped_overlap", "missed"],
      }[overlap];
      expectEveryTickHeld(name, rows, heldBy(db, name), { minRows: 5, finished });
      ticksChecked += rows.length;
      const byStatus: Record<string, number> = {};
      for (const row of rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
      overlapRows[overlap] = byStatus;
    }

    // 1c. The cursor trigger: its fires count 0, 1, 2, … across every kill (the cursor
    // moves in the fire's own commit: never lost, never repeated).
    const cursorFires = db
      .prepare(
        "SELECT payload_json FROM trigger_events WHERE trigger_name = 'cursor' AND run_id IS NOT NULL AND status <> 'skipped_overlap' ORDER BY scheduled_at",
      )
      .all() as { payload_json: string }[];
    const cursorRow = db
      .prepare("SELECT poll_cursor FROM trigger_activations WHERE name = 'cursor'")
      .get() as { poll_cursor: string | null };
    expectCursorSteps("cursor", cursorFires, cursorRow.poll_cursor, { minRows: 5 });
    const cursorSteps = cursorFires.length;

    // 1d. maxFires: never more scheduled fires on record than the limit, and the stored
    // count equals them (it moves in the fires' own commits); the limit was reached.
    const limitedFires: Record<string, number> = {};
    for (const { name, maxFires } of LIMITED) {
      const rows = db
        .prepare("SELECT kind, status FROM trigger_events WHERE trigger_name = ?")
        .all(name) as { kind: string | null; status: string }[];
      const fires = rows.filter(countsAgainstLimit).length;
      const { fires_used } = db
        .prepare("SELECT fires_used FROM trigger_activations WHERE name = ?")
        .get(name) as { fires_used: number };
      expect(fires, `${name}: scheduled fires on record`).toBeLessThanOrEqual(maxFires);
      expect(fires_used, `${name}: the stored count`).toBe(fires);
      if (limitsSpent) expect(fires, `${name}: the limit was reached`).toBe(maxFires);
      limitedFires[name] = fires;
    }

    // 2. No run left running; every event's run exists and their statuses agree.
    expect(db.prepare("SELECT run_id FROM dag_runs WHERE status = 'running'").all()).toEqual([]);
    expect(
      db.prepare("SELECT event_id FROM trigger_events WHERE status = 'running'").all(),
    ).toEqual([]);
    // bufferAll's queue: the overlapping triggers and a maxFires one.
    const overlapping = new Set<string>([...OVERLAPPING, ...LIMITED].map((t) => t.name));
    const all = db
      .prepare(
        "SELECT e.event_id, e.trigger_name, e.status, e.run_id, r.status AS run_status FROM trigger_events e LEFT JOIN dag_runs r ON r.run_id = e.run_id WHERE e.run_id IS NOT NULL",
      )
      .all() as {
      event_id: string;
      trigger_name: string;
      status: string;
      run_id: string;
      run_status: string | null;
    }[];
    const events = all;
    // Only the overlapping triggers keep fires after a graceful stop (bufferAll's queue).
    expect(all.filter((e) => e.status === "buffered" && !overlapping.has(e.trigger_name))).toEqual(
      [],
    );
    // A fire may be held `interrupted` by any trigger's machine (committed while stopping).
    const names = db.prepare("SELECT name FROM trigger_activations").all() as { name: string }[];
    const held = new Set(
      names.flatMap(({ name }) => {
        const { inFlight, pending } = heldBy(db, name);
        return [...inFlight, ...pending].map((fire) => fire.eventId);
      }),
    );
    expectEventsMatchRunsHeld(events, held);
    // Runs cut short: cancelled, or interrupted by the last stop (resumed by the next start).
    const cutShort = new Set(
      events.filter((e) => ["cancelled", "interrupted"].includes(e.status)).map((e) => e.run_id),
    );

    // 3. From the side-effect log: no finished node ran again; re-runs carry attempt > 1.
    const lines = readLog(logFile);
    const nodes = db
      .prepare("SELECT run_id, node_label, status, attempt FROM node_executions")
      .all() as { run_id: string; node_label: string; status: string; attempt: number }[];
    const stored = new Map(nodes.map((n) => [`${n.run_id} ${n.node_label}`, n]));
    const runIds = new Set(events.map((event) => event.run_id));
    // Every run that did work was fired through the ledger (nothing runs unrecorded).
    for (const line of lines) {
      expect(runIds.has(line.runId), `run ${line.runId} has a ledger row`).toBe(true);
    }
    const { attempts: starts, resumedRuns } = nodeStarts(lines);
    let rerunNodes = 0;
    for (const [key, attempts] of starts) {
      const node = stored.get(key);
      const cut = cutShort.has(key.split(" ")[0] as string);
      if (cut) {
        expect(["completed", "interrupted"], key).toContain(node?.status);
      } else expect(node?.status, key).toBe("completed");
      // Each try of a node has its own, increasing attempt number; the last is the stored
      // one — or, in a run cut short, the one after it: a resumed try's start is written
      // ahead, and a cancel can reach the run before that try's body runs.
      expect(attempts, key).toEqual(attempts.map((_, k) => (attempts[0] as number) + k));
      const last = attempts.at(-1) as number;
      if (cut && node?.status === "interrupted")
        expect([last, last + 1], key).toContain(node.attempt);
      else expect(node?.attempt, key).toBe(last);
      rerunNodes += attempts.length - 1;
    }

    // 4. The deactivated trigger stayed deactivated.
    const deact = db
      .prepare("SELECT status FROM trigger_activations WHERE name = 'deact'")
      .get() as {
      status: string;
    };
    expect(deact.status).toBe("disabled");
    const deactivatedAt = readFileSync(logFile, "utf8").match(/deactivated deact (\d+)/)?.[1];
    expect(deactivatedAt).toBeDefined();
    const lateDeact = db
      .prepare(
        "SELECT COUNT(*) AS n FROM trigger_events WHERE trigger_name = 'deact' AND fired_at > ?",
      )
      .get(new Date(Number(deactivatedAt) + 1000).toISOString()) as { n: number };
    expect(lateDeact.n).toBe(0);

    // 5. The journal replayed through the machine ends in the stored snapshot.
    expectJournalsReplay(db);
    // 6. Idempotent pushes: one ledger row and one run per key, however often retried.
    const keyedRows = db
      .prepare(
        "SELECT e.fire_key, e.run_id, (SELECT COUNT(*) FROM dag_runs r WHERE r.run_id = e.run_id) AS runs FROM trigger_events e WHERE e.trigger_name = 'keyed'",
      )
      .all() as { fire_key: string | null; run_id: string | null; runs: number }[];
    const keys = expectOneRunPerKey(keyedRows, readFileSync(logFile, "utf8"));
    return {
      ticksChecked,
      resumedRuns,
      rerunNodes,
      overlapRows,
      cursorSteps,
      keys,
      limitedFires,
    };
  } finally {
    db.close();
  }
}

/** Waits (2 s at most) until the process `pid` logged a keyed push. */
async function pushedBy(pid: number, logFile: string): Promise<void> {
  const line = new RegExp(`^keyed-push k\\d+ ${pid} `, "m");
  for (let waited = 0; waited < 2_000 && !line.test(readFileSync(logFile, "utf8")); waited += 20) {
    await sleep(20);
  }
}

describe("crash torture", () => {
  it("survives 30+ SIGKILLs, at random and at every fire-path step, with all five invariants", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tickflow-torture-"));
    const dbFile = path.join(dir, "tickflow.db");
    const logFile = path.join(dir, "effects.log");
    const figures: Figures = {
      kills: 0,
      faultKills: 0,
      ticksChecked: 0,
      resumedRuns: 0,
      rerunNodes: 0,
    };
    const plan: ([string, number] | undefined)[] = [];
    let keyedKills = 0;
    // Every fault step at least once (twice for the steps inside a commit), then random kills.
    for (const step of FAULT_STEPS) plan.push([step, 2], [step, 5]);
    while (plan.length < 32) plan.push(undefined);
    for (const fault of plan) {
      const proc = launch(dbFile, logFile, "torture", fault);
      const up = await ready(proc, logFile, "leader");
      if (fault) {
        const code = await exited(proc, 6_000);
        if (proc.signalCode === "SIGKILL") figures.faultKills += 1;
        else {
          expect(code, `child with fault ${fault[0]} ended`).toBeNull();
          proc.kill("SIGKILL");
          await exited(proc, 5_000);
        }
      } else {
        expect(up).toBe(true);
        if (keyedKills < 4) {
          // A few kills land while a keyed push waits for its run (its fire committed):
          // the next process pushes that key again.
          keyedKills += 1;
          await pushedBy(proc.pid as number, logFile);
          await sleep(60);
        } else await sleep(200 + Math.floor(Math.random() * 900));
        proc.kill("SIGKILL");
        await exited(proc, 5_000);
      }
      figures.kills += 1;
    }
    // The last run: a graceful stop after a while.
    const last = launch(dbFile, logFile, "torture");
    expect(await ready(last, logFile, "leader")).toBe(true);
    await sleep(2_500);
    last.kill("SIGTERM");
    expect(await exited(last, 15_000)).toBe(0);

    Object.assign(figures, checkInvariants(dbFile, logFile, { limitsSpent: true }));
    // A node logged done and started again: only a kill between its end and its history
    // write may cost that, one per kill at most.
    figures.finishedReruns = finishedReruns(logFile).length;
    expect(figures.finishedReruns).toBeLessThanOrEqual(figures.kills);
    expect(figures.kills).toBeGreaterThanOrEqual(30);
    expect(figures.faultKills).toBeGreaterThanOrEqual(FAULT_STEPS.length);
    expect(figures.keys?.retriedCommitted).toBeGreaterThanOrEqual(1);
    console.log(`crash torture figures: ${JSON.stringify(figures)}`);
  }, 180_000);

  it("two supervisors on one file: one fires, the other takes over when the leader is killed; no tick fired by both", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tickflow-two-"));
    const dbFile = path.join(dir, "tickflow.db");
    const logFile = path.join(dir, "effects.log");
    const procs = new Map<string, ChildProcess>();
    procs.set("A", launch(dbFile, logFile, "A"));
    expect(await ready(procs.get("A") as ChildProcess, logFile, "leader")).toBe(true);
    procs.set("B", launch(dbFile, logFile, "B"));
    expect(await ready(procs.get("B") as ChildProcess, logFile, "standby")).toBe(true);
    let takeovers = 0;
    for (let round = 0; round < 6; round++) {
      await sleep(800 + Math.floor(Math.random() * 800));
      // Kill whoever leads now (the lease row says), and restart it as the new standby.
      const db = new Database(dbFile, { readonly: true });
      const holder = (
        db.prepare("SELECT owner_id FROM supervisor_lease").get() as { owner_id: string }
      ).owner_id;
      db.close();
      const leader = procs.get(holder) as ChildProcess;
      leader.kill("SIGKILL");
      await exited(leader, 5_000);
      const other = holder === "A" ? "B" : "A";
      // The standby takes over once the dead leader's lease (1.5 s) expires.
      const started = Date.now();
      for (;;) {
        const check = new Database(dbFile, { readonly: true });
        const now = (
          check.prepare("SELECT owner_id FROM supervisor_lease").get() as { owner_id: string }
        ).owner_id;
        check.close();
        if (now === other) break;
        expect(Date.now() - started, "takeover within lease expiry + slack").toBeLessThan(8_000);
        await sleep(50);
      }
      takeovers += 1;
      const restarted = launch(dbFile, logFile, holder);
      procs.set(holder, restarted);
      expect(await ready(restarted, logFile, "")).toBe(true);
    }
    await sleep(1_500);
    for (const proc of procs.values()) proc.kill("SIGTERM");
    for (const proc of procs.values()) expect(await exited(proc, 15_000)).toBe(0);

    const result = checkInvariants(dbFile, logFile, { limitsSpent: false });
    // No node try was executed by two processes: (run, node, attempt) has one pid.
    for (const [key, pids] of nodeStarts(readLog(logFile)).pidsByTry) {
      expect(new Set(pids).size, key).toBe(1);
    }
    expect(takeovers).toBe(6);
    console.log(`two supervisors: ${JSON.stringify({ takeovers, ...result })}`);
  }, 120_000);
});
