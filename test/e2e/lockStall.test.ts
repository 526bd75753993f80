/**
 * Issue 14, contract 3f: a database locked by another process never blocks the event loop
 * for the whole busy timeout. A real second process (fixtures/lockHolder.ts) holds the
 * write lock of the trigger database or of the run history for seconds while a supervisor
 * on the real clock fires an every-second trigger and runs a long node. Checked: the
 * longest stall of this process's event loop (a 10 ms interval's worst gap) stays far
 * below the lock's length, the long node keeps stepping, the ticks owed meanwhile are on
 * record exactly once (one row per second, no gap), runs finish, nothing stays `running`;
 * and a lock held past the busy timeout takes the storage-fault path (typed
 * `DatabaseLocked`, tick owed again, run paused and resumed), not a hang.
 *
 * The bound on the stall (< 1 s against a lock of 3-4 s) is a correctness property, not a
 * speed figure. `TICKFLOW_LOCK_HOLD_MS=8000` reruns the first case with an 8 s lock to
 * measure it (docs/architecture.md records the figure); each case prints its numbers.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  Dag,
  DagProvenance,
  type ManagerEvent,
  Namespace,
  TriggerManager,
  TriggerStore,
} from "../../src/index.js";

const holderScript = path.join(import.meta.dirname, "fixtures", "lockHolder.ts");
const HOLD_MS = Number(process.env.TICKFLOW_LOCK_HOLD_MS ?? 4_000);

/** A second process that holds `file`'s write lock for `ms`: resolves once it holds it. */
async function holdLock(
  file: string,
  ms: number,
): Promise<{ readonly lockedAt: number; readonly released: Promise<number> }> {
  const child = spawn(process.execPath, ["--import", "tsx", holderScript, file, String(ms)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  let onLocked: (at: number) => void = () => {};
  let onReleased: (at: number) => void = () => {};
  const locked = new Promise<number>((resolve, reject) => {
    onLocked = resolve;
    child.once("exit", (code) => reject(new Error(`lock holder exited (${code}) before locking`)));
  });
  const released = new Promise<number>((resolve) => {
    onReleased = resolve;
    child.once("exit", () => resolve(Date.now()));
  });
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes("locked\n")) onLocked(Date.now());
    if (out.includes("released\n")) onReleased(Date.now());
  });
  return { lockedAt: await locked, released };
}

/** The worst gap between the beats of a 10 ms interval: how long the event loop stalled. */
function stallMeter(): { stop(): number } {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(worst, performance.now() - last);
    },
  };
}

async function until(condition: () => boolean, what: string, maxMs = 20_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}

interface Outcome {
  readonly maxStallMs: number;
  readonly holdMs: number;
  /** The long node's steps while the lock was held, and its worst gap between steps. */
  readonly stepsDuringLock: number;
  readonly worstStepGapMs: number;
  readonly rows: readonly { scheduled: string; status: string }[];
  readonly longStatus: string | undefined;
  readonly errors: readonly string[];
  readonly stillRunning: { readonly events: number; readonly runs: number };
}

/**
 * A supervisor (real clock) with an every-second trigger (catch-up `all`) and a push
 * trigger whose node steps every 20 ms until half-way through the lock; another process
 * holds `locked`'s write lock for `holdMs`.
 */
async function scenario(options: {
  readonly locked: "triggers" | "provenance";
  readonly holdMs: number;
  readonly busyTimeoutMs?: number;
}): Promise<Outcome> {
  const dir = mkdtempSync(path.join(tmpdir(), "tickflow-lock-"));
  const files = {
    triggers: path.join(dir, "triggers.db"),
    provenance: path.join(dir, "provenance.db"),
  };
  const storeOptions =
    options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs };
  const store = new TriggerStore(files.triggers, storeOptions);
  const provenance = new DagProvenance(files.provenance, storeOptions);
  const ns = new Namespace();
  const tick = new Dag();
  tick.node(() => null, { label: "tick" });
  ns.register(tick, { nsref: "lock:tick" });
  const steps: number[] = [];
  let longUntil = Number.POSITIVE_INFINITY;
  const long = new Dag();
  long.node(
    async () => {
      while (Date.now() < longUntil) {
        steps.push(Date.now());
        await sleep(20);
      }
      return steps.length;
    },
    { label: "long" },
  );
  ns.register(long, { nsref: "lock:long" });
  ns.registerTrigger({
    name: "every",
    dagNsref: "lock:tick",
    triggerType: "poll",
    schedule: "* * * * * *",
    timezone: "UTC",
    catchUp: "all",
    maxCatchUp: 10_000,
    overlap: "bufferOne",
  });
  ns.registerTrigger({ name: "long", dagNsref: "lock:long", triggerType: "push" });
  const events: ManagerEvent[] = [];
  const errors: string[] = [];
  const manager = new TriggerManager({
    namespace: ns,
    store,
    provenance,
    onEvent: (event) => events.push(event),
    onError: (error) => errors.push((error as { _tag?: string })._tag ?? String(error)),
  });
  try {
    await manager.activate("every");
    await manager.activate("long");
    await manager.start();
    await until(
      () => events.some((e) => e.kind === "finished" && e.trigger === "every"),
      "a first tick",
    );
    const longRun = manager.fire("long").catch(() => undefined);
    await until(() => steps.length > 0, "the long node's first step");

    const lock = await holdLock(files[options.locked], options.holdMs);
    // The long node ends half-way through the lock: its end must wait for the history.
    longUntil = lock.lockedAt + options.holdMs / 2;
    const meter = stallMeter();
    const releasedAt = await lock.released;
    const maxStallMs = meter.stop();
    const during = steps.filter((at) => at >= lock.lockedAt && at <= releasedAt);
    const worstStepGapMs = Math.max(
      0,
      ...during.slice(1).map((at, i) => at - (during[i] as number)),
    );

    await longRun;
    await until(
      () => events.some((e) => e.kind === "finished" && e.trigger === "long"),
      "the long run's end",
    );
    // The ticks owed during the lock, and two more after it.
    const settleUntil = Date.now() + 2_500;
    await until(() => Date.now() >= settleUntil, "settling");
    await manager.stop({ graceMs: 5_000 });

    const rows = [...(await store.getEvents("every", { limit: 1_000 }))]
      .map((e) => ({ scheduled: e.scheduledAt?.toISOString() ?? "", status: e.status }))
      .sort((a, b) => a.scheduled.localeCompare(b.scheduled));
    const [longEvent] = await store.getEvents("long", { limit: 1 });
    const longRunRecord =
      longEvent?.runId === null || longEvent?.runId === undefined
        ? undefined
        : await provenance.getRun(longEvent.runId);
    const triggersDb = new Database(files.triggers, { readonly: true });
    const historyDb = new Database(files.provenance, { readonly: true });
    const stillRunning = {
      events: (
        triggersDb
          .prepare("SELECT count(*) AS n FROM trigger_events WHERE status = 'running'")
          .get() as { n: number }
      ).n,
      runs: (
        historyDb.prepare("SELECT count(*) AS n FROM dag_runs WHERE status = 'running'").get() as {
          n: number;
        }
      ).n,
    };
    triggersDb.close();
    historyDb.close();
    return {
      maxStallMs: Math.round(maxStallMs),
      holdMs: releasedAt - lock.lockedAt,
      stepsDuringLock: during.length,
      worstStepGapMs,
      rows,
      longStatus: longRunRecord?.status,
      errors,
      stillRunning,
    };
  } finally {
    await manager.stop({ graceMs: 1_000 });
    store.close();
    provenance.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each second from the first row to the last has exactly one row. */
function expectEverySecondOnce(outcome: Outcome, failure: string): void {
  const seconds = outcome.rows.map((row) => Date.parse(row.scheduled));
  expect(new Set(seconds).size, failure).toBe(seconds.length);
  for (const [i, at] of seconds.entries()) {
    if (i > 0) expect(at - (seconds[i - 1] as number), failure).toBe(1_000);
  }
}

/**
 * What holds in every case: the loop never stalled for long, each second has one row in
 * an allowed state, the long run completed, nothing stayed `running`.
 */
function expectAliveAndWhole(outcome: Outcome, failure: string, allowed: readonly string[]): void {
  expect(outcome.maxStallMs, failure).toBeLessThan(1_000);
  expectEverySecondOnce(outcome, failure);
  expect(
    outcome.rows.every((row) => allowed.includes(row.status)),
    failure,
  ).toBe(true);
  expect(outcome.longStatus, failure).toBe("completed");
  expect(outcome.stillRunning, failure).toEqual({ events: 0, runs: 0 });
}

/**
 * Within the busy timeout every tick fires or meets the overlap policy: a tick that fell
 * due while the run before it waited to record its end is skipped (bufferOne: one waits,
 * the others are skipped) — still one row each.
 */
const WITHIN_TIMEOUT = ["completed", "skipped_overlap"] as const;

describe("a database locked by another process (issue 14, 3f)", () => {
  it("the trigger database locked for seconds: the loop keeps running, the owed ticks are recorded once each", async () => {
    const outcome = await scenario({ locked: "triggers", holdMs: HOLD_MS });
    const failure = JSON.stringify(outcome, null, 1);
    console.log(
      `lock on triggers.db: held ${outcome.holdMs} ms, longest event-loop stall ${outcome.maxStallMs} ms, ${outcome.stepsDuringLock} node steps during the lock (worst gap ${outcome.worstStepGapMs} ms)`,
    );
    expectAliveAndWhole(outcome, failure, WITHIN_TIMEOUT);
    expect(outcome.stepsDuringLock, failure).toBeGreaterThan(5);
    expect(outcome.worstStepGapMs, failure).toBeLessThan(1_000);
    // Within the busy timeout (5 s): the commits waited, none failed.
    expect(outcome.errors, failure).toEqual([]);
    // The lock's seconds and the settling after it are all on record.
    expect(outcome.rows.length, failure).toBeGreaterThanOrEqual(
      Math.floor(outcome.holdMs / 1_000) + 2,
    );
  }, 60_000);

  it("the run history locked for seconds: the run in flight finishes once it is released, the loop never stalls", async () => {
    const outcome = await scenario({ locked: "provenance", holdMs: 3_000 });
    const failure = JSON.stringify(outcome, null, 1);
    console.log(
      `lock on provenance.db: held ${outcome.holdMs} ms, longest event-loop stall ${outcome.maxStallMs} ms, ${outcome.stepsDuringLock} node steps during the lock`,
    );
    expectAliveAndWhole(outcome, failure, WITHIN_TIMEOUT);
    expect(outcome.stepsDuringLock, failure).toBeGreaterThan(5);
    expect(outcome.errors, failure).toEqual([]);
  }, 60_000);

  it("a lock held past the busy timeout: DatabaseLocked, the ticks owed again and recorded once, runs paused and resumed, no hang", async () => {
    for (const locked of ["triggers", "provenance"] as const) {
      const outcome = await scenario({ locked, holdMs: 3_000, busyTimeoutMs: 500 });
      const failure = JSON.stringify({ locked, ...outcome }, null, 1);
      console.log(
        `lock on ${locked}.db past a 500 ms busy timeout: held ${outcome.holdMs} ms, longest event-loop stall ${outcome.maxStallMs} ms, errors ${JSON.stringify([...new Set(outcome.errors)])}`,
      );
      // The storage-fault path: the typed error, the tick owed again (missed or fired
      // late, never lost), the run cut off and resumed (never failed).
      expectAliveAndWhole(outcome, failure, [...WITHIN_TIMEOUT, "missed"]);
      expect(outcome.errors.length, failure).toBeGreaterThan(0);
      expect(
        outcome.errors.every((tag) => tag === "DatabaseLocked"),
        failure,
      ).toBe(true);
    }
  }, 120_000);
});
