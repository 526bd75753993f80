/**
 * The durable supervisor's promises under faults, in process with a TestClock and real
 * SQLite files: a locked, read-only or full database during a commit, corrupt or old
 * snapshots, clock jumps, restart = resume, catch-up policies, the lease.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TRIGGER_MACHINE_VERSION } from "../../machines/trigger.machine.js";
import { Dag } from "../../src/dag/Dag.js";
import type { NodeContext } from "../../src/dag/NodeContext.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import type { SqliteStore } from "../../src/store/SqliteStore.js";
import { NotLeader, SnapshotIncompatible } from "../../src/supervisor/errors.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { dieAt } from "../../src/testing.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { gate, Harness, HOUR, MINUTE, rejection, SECOND, T0, until } from "./harness.js";

const harnesses: Harness[] = [];
function harness(options: { provenance?: boolean } = {}): Harness {
  const h = new Harness(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** Ledger rows of a trigger, oldest tick first. */
function ledger(h: Harness, name: string) {
  const db = new Database(path.join(h.dir, "triggers.db"), { readonly: true });
  try {
    return db
      .prepare(
        "SELECT scheduled_at, status, run_id, error FROM trigger_events WHERE trigger_name = ? ORDER BY scheduled_at, fired_at",
      )
      .all(name) as {
      scheduled_at: string | null;
      status: string;
      run_id: string | null;
      error: string | null;
    }[];
  } finally {
    db.close();
  }
}

const at = (ms: number) => new Date(ms).toISOString();

/**
 * Fills a database up to a page cap, so the next write that needs a page fails
 * (SQLITE_FULL). The trigger database is filled through its journal, whose pages each
 * fire-path commit needs; another database through a table of its own.
 */
function fillDisk(store: SqliteStore, table: "trigger_journal" | "test_filler"): void {
  store.run("filler table", "CREATE TABLE IF NOT EXISTS test_filler (x TEXT)");
  const pages = store.get<{ page_count: number }>("pages", "PRAGMA page_count")?.page_count ?? 0;
  store.get("cap", `PRAGMA max_page_count = ${pages}`);
  const insert =
    table === "trigger_journal"
      ? "INSERT INTO trigger_journal (trigger_name, event_json, state_after, at) VALUES ('filler', ?, 'x', 'x')"
      : "INSERT INTO test_filler (x) VALUES (?)";
  for (const size of [500, 100, 20, 1]) {
    for (let i = 0; i < 5_000; i++) {
      try {
        store.run("fill", insert, ["x".repeat(size)]);
      } catch {
        break;
      }
    }
  }
}
function freeDisk(store: SqliteStore): void {
  store.run("free", "DELETE FROM test_filler");
  store.run("free", "DELETE FROM trigger_journal WHERE trigger_name = 'filler'");
  store.get("uncap", "PRAGMA max_page_count = 1073741823");
}

describe("a commit that fails", () => {
  it("a database locked beyond busy_timeout: typed error reported, the fire not started, the tick recorded later", async () => {
    const h = harness();
    const calls: number[] = [];
    h.poll(
      "every",
      h.dag("work", () => calls.push(h.clock.now())),
      "* * * * * *",
    );
    // A store of its own with a short busy timeout: the lock must fail fast here.
    const store = new TriggerStore(path.join(h.dir, "triggers.db"), { busyTimeoutMs: 20 });
    const manager = h.manager({ store });
    await manager.activate("every");
    await manager.start();
    await h.advanceAndFinish(SECOND, 1);

    const locker = new Database(path.join(h.dir, "triggers.db"));
    locker.exec("BEGIN IMMEDIATE");
    await h.testClock.advance(SECOND);
    await until(
      () => h.errors.some((e) => (e as { _tag?: string })._tag === "DatabaseLocked"),
      "DatabaseLocked",
    );
    expect(calls).toHaveLength(1);
    locker.exec("ROLLBACK");
    locker.close();

    await h.advanceAndFinish(SECOND, 2);
    expect(calls).toHaveLength(2);
    expect(ledger(h, "every").map((row) => [row.scheduled_at, row.status])).toEqual([
      [at(T0 + SECOND), "completed"],
      [at(T0 + 2 * SECOND), "missed"],
      [at(T0 + 3 * SECOND), "completed"],
    ]);
    store.close();
  });

  it("a read-only error during the write-ahead commit: nothing runs, the error is reported, the next tick fires", async () => {
    const h = harness();
    const calls: number[] = [];
    h.poll(
      "every",
      h.dag("work", () => calls.push(h.clock.now())),
      "* * * * *",
    );
    const manager = h.manager();
    await manager.activate("every");
    await manager.start();
    // SQLite itself refuses writes on this connection from now on (SQLITE_READONLY).
    h.store.store.run("make read-only", "PRAGMA query_only = ON");
    await h.testClock.advance(MINUTE);
    await until(
      () => h.errors.some((e) => (e as { _tag?: string })._tag === "DatabaseReadOnly"),
      "DatabaseReadOnly",
    );
    expect(calls).toEqual([]);
    h.store.store.run("make writable", "PRAGMA query_only = OFF");
    await h.advanceAndFinish(MINUTE, 1);
    expect(calls).toEqual([T0 + 2 * MINUTE]);
    expect(ledger(h, "every").map((row) => row.status)).toEqual(["missed", "completed"]);
  });

  it("a full disk during a commit (SQLITE_FULL via max_page_count): DiskFull reported, nothing runs, nothing lost", async () => {
    const h = harness();
    const calls: number[] = [];
    h.poll(
      "every",
      h.dag("work", () => calls.push(h.clock.now())),
      "* * * * *",
    );
    const manager = h.manager();
    await manager.activate("every");
    await manager.start();
    // Fill what is left of the allowed pages: the next commit needs a page it may not have.
    fillDisk(h.store.store, "trigger_journal");
    await h.testClock.advance(MINUTE);
    await until(
      () => h.errors.some((e) => (e as { _tag?: string })._tag === "DiskFull"),
      "DiskFull",
    );
    expect(calls).toEqual([]);
    freeDisk(h.store.store);
    await h.advanceAndFinish(MINUTE, 1);
    expect(calls).toEqual([T0 + 2 * MINUTE]);
    expect(ledger(h, "every").map((row) => row.status)).toEqual(["missed", "completed"]);
  });
});

describe("storage faults never lose a tick (issue 14, 3d)", () => {
  it("a full disk while late ticks are recorded missed: each tick gets exactly one row once writes succeed", async () => {
    const h = harness();
    const calls: number[] = [];
    h.poll(
      "every",
      h.dag("work", () => calls.push(h.clock.now())),
      "* * * * *",
    );
    const manager = h.manager();
    await manager.activate("every");
    await manager.start();
    await h.advanceAndFinish(MINUTE, 1);
    fillDisk(h.store.store, "trigger_journal");
    // Five ticks owed at one wake: four to record missed, the latest to fire; none fits.
    await h.testClock.advance(5 * MINUTE);
    await until(
      () => h.errors.some((e) => (e as { _tag?: string })._tag === "DiskFull"),
      "DiskFull",
    );
    freeDisk(h.store.store);
    await h.advanceAndFinish(MINUTE, 2);
    const rows = ledger(h, "every").map((row) => [row.scheduled_at, row.status]);
    const expected = [1, 2, 3, 4, 5, 6, 7].map((m) => [
      at(T0 + m * MINUTE),
      m === 1 || m === 7 ? "completed" : "missed",
    ]);
    expect(rows, JSON.stringify(rows)).toEqual(expected);
    expect(calls).toEqual([T0 + MINUTE, T0 + 7 * MINUTE]);
  });

  it("a full disk under the run history: the run is cut off and resumed from its history, never failed", async () => {
    const h = harness({ provenance: true });
    const g = gate();
    const attempts: number[] = [];
    h.poll(
      "every",
      h.dag("work", async (_input: unknown, ctx: NodeContext) => {
        attempts.push(ctx.attempt);
        await g.promise;
        return "x".repeat(4_000); // its output needs a new page
      }),
      "0 * * * *",
    );
    const manager = h.manager();
    await manager.activate("every");
    await manager.start();
    await h.testClock.advance(60 * MINUTE);
    await until(() => attempts.length === 1, "the node started");
    const provenance = h.provenance?.store as SqliteStore;
    fillDisk(provenance, "test_filler");
    g.open();
    await until(
      () =>
        h.errors.some((e) => JSON.stringify(e).includes("DiskFull") || String(e).includes("full")),
      "DiskFull under the history",
    );
    const [during] = await h.store.getEvents("every");
    expect(during?.status).toBe("running");
    freeDisk(provenance);
    await h.testClock.advance(10 * SECOND); // the pause of a cut-off run (a third of the lease)
    await h.reportedAtLeast(1, "finished");
    const [event] = await h.store.getEvents("every");
    const run = await h.provenance?.getRun(event?.runId as string);
    expect([event?.status, run?.status]).toEqual(["completed", "completed"]);
    expect(attempts.length).toBeGreaterThanOrEqual(1);
  });
});

describe("restoring stored state", () => {
  it("a corrupt snapshot row: that trigger is reported and skipped, the others run", async () => {
    const h = harness();
    h.poll(
      "good",
      h.dag("good", () => 1),
      "* * * * *",
    );
    h.poll(
      "bad",
      h.dag("bad", () => 2),
      "* * * * *",
    );
    const first = h.manager();
    await first.activate("good");
    await first.activate("bad");
    const raw = new Database(path.join(h.dir, "triggers.db"));
    raw
      .prepare("UPDATE trigger_activations SET snapshot_json = '{not json' WHERE name = 'bad'")
      .run();
    raw.close();

    const second = h.manager();
    await second.start();
    await h.advanceAndFinish(MINUTE, 1, "good");
    const error = h.errors.find((e) => e instanceof SnapshotIncompatible) as SnapshotIncompatible;
    expect(error).toMatchObject({ name: "bad", machineVersion: TRIGGER_MACHINE_VERSION });
    expect(error.message).toContain('"bad"');
    expect(ledger(h, "bad")).toEqual([]);
    expect(ledger(h, "good").map((row) => row.status)).toEqual(["completed"]);
  });

  it("a snapshot from another machine version is refused with SnapshotIncompatible naming both versions", async () => {
    const h = harness();
    h.poll(
      "old",
      h.dag("old", () => 1),
      "* * * * *",
    );
    await h.manager().activate("old");
    const raw = new Database(path.join(h.dir, "triggers.db"));
    raw.prepare("UPDATE trigger_activations SET machine_version = 0").run();
    raw.close();
    await h.manager().start();
    await h.testClock.advance(2 * MINUTE);
    const error = h.errors.find((e) => e instanceof SnapshotIncompatible) as SnapshotIncompatible;
    expect(error).toMatchObject({
      name: "old",
      storedVersion: 0,
      machineVersion: TRIGGER_MACHINE_VERSION,
    });
    expect(error.message).toMatch(/version 0.*version 2/);
    expect(ledger(h, "old")).toEqual([]);
  });

  it("a stored trigger whose definition is gone is left as it is and not fired", async () => {
    const h = harness();
    h.poll(
      "gone",
      h.dag("gone", () => 1),
      "* * * * *",
    );
    await h.manager().activate("gone");
    const bare = new TriggerManager({ namespace: new Namespace(), store: h.store, clock: h.clock });
    await bare.start();
    await h.testClock.advance(5 * MINUTE);
    expect(ledger(h, "gone")).toEqual([]);
    expect(bare.states()).toEqual({ gone: "active" });
    expect((await h.store.getActivation("gone"))?.status).toBe("active");
    await bare.stop();
  });

  it("a changed schedule moves on from the restart with the new schedule: no surprise fire for the edit", async () => {
    const h = harness();
    h.poll(
      "edited",
      h.dag("edited", () => 1),
      "0 * * * *",
    );
    const first = h.manager();
    await first.activate("edited");
    await first.start();
    await h.advanceAndFinish(HOUR, 1);
    await first.stop();
    await h.testClock.advance(20 * MINUTE); // now T0 + 1h20

    const ns = new Namespace();
    const dag = new Dag();
    dag.node(() => 1, { label: "edited" });
    ns.register(dag, { nsref: "edited:dag" });
    ns.registerTrigger({
      name: "edited",
      dagNsref: "edited:dag",
      triggerType: "poll",
      schedule: "*/15 * * * *",
      timezone: "UTC",
    });
    const second = h.manager({ namespace: ns });
    await second.start();
    await h.testClock.advance(0);
    // 01:15 was a tick of the new schedule only: not owed. The next is 01:30.
    expect(ledger(h, "edited").map((row) => row.scheduled_at)).toEqual([at(T0 + HOUR)]);
    await h.advanceAndFinish(10 * MINUTE, 2);
    expect(ledger(h, "edited").map((row) => row.scheduled_at)).toEqual([
      at(T0 + HOUR),
      at(T0 + HOUR + 30 * MINUTE),
    ]);
  });
});

describe("restart = resume", () => {
  it("stop({ graceMs }) interrupts a run; the next start() resumes it with the same run id: done nodes not re-run", async () => {
    const h = harness({ provenance: true });
    const counts = { a: 0, b: 0 };
    const attempts: number[] = [];
    const blocker = gate();
    const dag = new Dag();
    dag
      .node(
        () => {
          counts.a += 1;
          return 1;
        },
        { label: "a" },
      )
      .to(
        dag.node(
          async (_: number, ctx: NodeContext) => {
            counts.b += 1;
            attempts.push(ctx.attempt);
            if (ctx.attempt === 1) {
              await new Promise<void>((resolve) =>
                ctx.signal.addEventListener("abort", () => resolve()),
              );
              throw new Error("interrupted");
            }
            await blocker.promise;
            return 2;
          },
          { label: "b" },
        ),
      );
    h.ns.register(dag, { nsref: "resume:dag" });
    h.ns.registerTrigger({ name: "push", dagNsref: "resume:dag", triggerType: "push" });
    const first = h.manager();
    await first.activate("push");
    await first.start();
    const pending = first.fire("push", {});
    await until(() => counts.b === 1, "node b started");
    const stopping = first.stop({ graceMs: 100 });
    await h.testClock.advance(100);
    await stopping;
    const result = await pending;
    expect(result.status).toBe("interrupted");
    const [event] = await h.store.getEvents("push");
    expect(event?.status).toBe("interrupted");
    expect((await h.provenance?.getRun(result.runId))?.status).toBe("interrupted");
    expect(first.states()).toEqual({ push: "firing" });

    const second = h.manager();
    await second.start();
    blocker.open();
    await h.reportedAtLeast(1, "resumed");
    await until(
      async () => (await h.store.getEvents("push"))[0]?.status === "completed",
      "event completed",
    );
    const run = await h.provenance?.getRun(result.runId);
    expect(run?.status).toBe("completed");
    expect(counts).toEqual({ a: 1, b: 2 });
    expect(attempts).toEqual([1, 2]);
    expect(run?.nodes.b?.attempt).toBe(2);
    expect(second.states()).toEqual({ push: "active" });
  });
});

describe("stop() with a poll in flight", () => {
  it("abandons a poll that never answers (no wait for pollTimeout); its tick is owed to the next start", async () => {
    const h = harness();
    let polls = 0;
    h.poll(
      "t",
      h.dag("t", () => 1),
      "* * * * *",
      {
        pollTimeout: HOUR,
        pollFn: () => {
          polls += 1;
          // The first poll never answers and ignores its signal; later ones have work.
          return polls === 1 ? new Promise<null>(() => {}) : { work: polls };
        },
      },
    );
    const first = h.manager();
    await first.activate("t");
    await first.start();
    await h.testClock.advance(MINUTE);
    await until(() => polls === 1, "the first poll started");
    await first.stop(); // resolves on its own: the clock is not advanced by pollTimeout
    expect(ledger(h, "t")).toEqual([]);
    const second = h.manager();
    await second.start();
    await h.testClock.advance(0);
    await h.reportedAtLeast(1, "finished");
    expect(ledger(h, "t").map((row) => [row.scheduled_at, row.status])).toEqual([
      [at(T0 + MINUTE), "completed"],
    ]);
  });
});

describe("stop() racing a fire", () => {
  it("a fire whose commit lands as stop() begins starts no run, is recorded interrupted; the next start() runs it once", async () => {
    const h = harness({ provenance: true });
    const calls: number[] = [];
    h.poll(
      "t",
      h.dag("t", () => calls.push(h.clock.now())),
      "* * * * *",
    );
    let armed = false;
    let stopping: Promise<void> | undefined;
    const first = h.manager({
      faults: (step, at) => {
        // Stop from inside the tick's commit: after it landed, before its run starts.
        const tickCommit = h.clock.now() >= T0 + MINUTE; // not the start's own commits
        if (
          armed &&
          tickCommit &&
          step === "commit:after" &&
          at.triggers.includes("t") &&
          !stopping
        ) {
          stopping = first.stop({ graceMs: 0 });
        }
      },
    });
    await first.activate("t");
    await first.start();
    armed = true;
    await h.testClock.advance(MINUTE);
    await until(() => stopping !== undefined, "stop() called inside the commit");
    await stopping;
    expect(calls).toEqual([]);
    expect(first.states()).toEqual({ t: "firing" });
    // Nothing of a stopped supervisor is `running`: the committed fire is recorded
    // interrupted (issue 14, 3b), and its machine stays firing so the next start resumes it.
    const [event] = await h.store.getEvents("t");
    expect(event?.status).toBe("interrupted");

    const second = h.manager();
    await second.start();
    await h.reportedAtLeast(1, "finished");
    await until(async () => (await h.store.getEvents("t"))[0]?.status === "completed", "completed");
    expect(calls).toHaveLength(1);
    expect((await h.store.getEvents("t"))[0]?.runId).toBe(event?.runId);
  });
});

describe("catch-up after downtime", () => {
  async function downtime(
    policy: "skip" | "latest" | "all",
    extra: { maxCatchUp?: number; catchUpWindow?: number } = {},
  ) {
    const h = harness();
    const ran: number[] = [];
    h.poll(
      "t",
      h.dag("t", () => ran.push(h.clock.now())),
      "* * * * *",
      { catchUp: policy, ...extra },
    );
    const first = h.manager();
    await first.activate("t");
    await first.start();
    await h.advanceAndFinish(MINUTE, 1);
    await first.stop();
    await h.testClock.advance(10 * MINUTE); // down: ticks 2..11 missed
    const second = h.manager();
    await second.start();
    // The owed ticks are due in the past: the TestClock fires such a timer on the next advance.
    await h.testClock.advance(0);
    return { h, ran, second };
  }

  it("skip: none fires; each missed tick is recorded missed", async () => {
    const { h } = await downtime("skip");
    await h.testClock.advance(0);
    await until(() => ledger(h, "t").length === 11, "11 rows");
    expect(ledger(h, "t").map((row) => row.status)).toEqual([
      "completed",
      ...Array(10).fill("missed"),
    ]);
    await h.advanceAndFinish(MINUTE, 2);
    expect(ledger(h, "t").at(-1)).toMatchObject({
      scheduled_at: at(T0 + 12 * MINUTE),
      status: "completed",
    });
  });

  it("latest (default): one fire for the most recent missed tick, the others missed", async () => {
    const { h } = await downtime("latest");
    await h.reportedAtLeast(2, "finished");
    await until(() => ledger(h, "t").length === 11, "11 rows");
    const rows = ledger(h, "t");
    expect(rows.map((row) => row.status)).toEqual([
      "completed",
      ...Array(9).fill("missed"),
      "completed",
    ]);
    expect(rows.at(-1)?.scheduled_at).toBe(at(T0 + 11 * MINUTE));
  });

  it("all, bounded by maxCatchUp: the most recent 3 fire in order, one after another; the rest missed", async () => {
    const { h, ran } = await downtime("all", { maxCatchUp: 3 });
    await h.reportedAtLeast(4, "finished");
    const rows = ledger(h, "t");
    expect(rows.map((row) => row.status)).toEqual([
      "completed",
      ...Array(7).fill("missed"),
      "completed",
      "completed",
      "completed",
    ]);
    expect(ran).toHaveLength(4);
  });

  it("catchUpWindow: only ticks inside the window are owed (2.5 min: 9, 10, 11 of 2..11)", async () => {
    const { h } = await downtime("all", { catchUpWindow: 2.5 * MINUTE });
    await h.reportedAtLeast(4, "finished");
    const statuses = ledger(h, "t").map((row) => row.status);
    expect(statuses).toEqual([
      "completed",
      ...Array(7).fill("missed"),
      "completed",
      "completed",
      "completed",
    ]);
  });
});

describe("clock jumps", () => {
  it("forward an hour then back: late ticks recorded missed, the latest fired, nothing fired twice", async () => {
    const h = harness();
    const ran: number[] = [];
    h.poll(
      "t",
      h.dag("t", () => ran.push(h.clock.now())),
      "* * * * *",
    );
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(2 * MINUTE, 2);
    const clock = h.testClock;
    clock.jump(clock.now() + HOUR);
    await h.advanceAndFinish(SECOND, 3);
    clock.jump(clock.now() - HOUR);
    await clock.advance(30 * MINUTE);
    const rows = ledger(h, "t");
    const scheduled = rows.map((row) => row.scheduled_at);
    expect(new Set(scheduled).size).toBe(scheduled.length);
    expect(rows.filter((row) => row.status === "completed").map((row) => row.scheduled_at)).toEqual(
      [at(T0 + MINUTE), at(T0 + 2 * MINUTE), at(T0 + 62 * MINUTE)],
    );
    expect(rows.filter((row) => row.status === "missed")).toHaveLength(59);
    expect(ran).toHaveLength(3);
  });
});

describe("one supervisor per database", () => {
  it("a second manager on the same file is a standby (NotLeader) and takes over after the leader stops", async () => {
    const h = harness();
    h.poll(
      "t",
      h.dag("t", () => 1),
      "* * * * *",
    );
    const clock = h.testClock;
    const leader = h.manager({ ownerId: "one", leaseMs: 3_000 });
    await leader.activate("t");
    await leader.start();
    const otherStore = new TriggerStore(path.join(h.dir, "triggers.db"));
    const standby = new TriggerManager({
      namespace: h.ns,
      store: otherStore,
      clock,
      ownerId: "two",
      leaseMs: 3_000,
    });
    await standby.start();
    expect(leader.status()).toMatchObject({ role: "leader", holder: "one", epoch: 1 });
    expect(standby.status()).toMatchObject({ role: "standby", holder: "one" });
    expect(await rejection(standby.fire("t"))).toBeInstanceOf(NotLeader);

    await h.advanceAndFinish(MINUTE, 1);
    await leader.stop();
    await clock.advance(1_000);
    expect(standby.status()).toMatchObject({ role: "leader", holder: "two", epoch: 2 });
    await clock.advance(MINUTE);
    await until(() => ledger(h, "t").length === 2, "the standby fired the next tick");
    expect(ledger(h, "t").map((row) => row.status)).toEqual(["completed", "completed"]);
    await standby.stop();
    otherStore.close();
  });

  it("a leader whose lease was taken (paused past expiry) cannot commit: it steps down, nothing it wrote lands", async () => {
    const h = harness();
    const ran: string[] = [];
    h.poll(
      "t",
      h.dag("t", () => ran.push("x")),
      "* * * * *",
    );
    const leader = h.manager({ ownerId: "one", leaseMs: 3_000 });
    await leader.activate("t");
    await leader.start();
    // Another supervisor takes the lease behind this one's back (its lease "expired").
    const raw = new Database(path.join(h.dir, "triggers.db"));
    raw
      .prepare(
        "UPDATE supervisor_lease SET owner_id = 'intruder', epoch = epoch + 1, expires_at = ?",
      )
      .run(new Date(T0 + HOUR).toISOString());
    raw.close();
    await h.testClock.advance(MINUTE);
    await until(
      () => h.errors.some((e) => (e as { _tag?: string })._tag === "LeaseLost"),
      "LeaseLost",
    );
    expect(leader.status().role).toBe("standby");
    expect(ran).toEqual([]);
    expect(ledger(h, "t")).toEqual([]);
  });
});

describe("helpers for embedding and testing", () => {
  it("handleSignals installs SIGINT/SIGTERM handlers only when asked, and removes them", () => {
    const h = harness();
    const manager = h.manager();
    const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    const remove = manager.handleSignals();
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual([
      (before[0] ?? 0) + 1,
      (before[1] ?? 0) + 1,
    ]);
    remove();
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual(before);
  });

  it("dieAt kills the process the nth time the step is reached (for the named trigger only)", () => {
    const kill = vi.spyOn(process, "kill").mockImplementation(() => true);
    try {
      const hook = dieAt("run:before", { nth: 2, trigger: "a" });
      hook("run:before", { triggers: ["b"] });
      hook("commit:after", { triggers: ["a"] });
      hook("run:before", { triggers: ["a"] });
      expect(kill).not.toHaveBeenCalled();
      hook("run:before", { triggers: ["a"], runId: "r" });
      expect(kill).toHaveBeenCalledWith(process.pid, "SIGKILL");
    } finally {
      kill.mockRestore();
    }
  });

  it("the fault hook sees every step of the fire path in order", async () => {
    const h = harness();
    h.poll(
      "t",
      h.dag("t", () => 1),
      "* * * * *",
    );
    const steps: string[] = [];
    const manager = h.manager({
      faults: (step, where) => where.triggers.includes("t") && steps.push(step),
    });
    await manager.activate("t");
    await manager.start();
    steps.length = 0;
    await h.advanceAndFinish(MINUTE, 1);
    await until(() => steps.includes("end:after"), "end:after");
    const firstOf = (step: string) => steps.indexOf(step);
    expect(firstOf("commit:before")).toBeLessThan(firstOf("commit:inside"));
    expect(firstOf("commit:inside")).toBeLessThan(firstOf("commit:after"));
    expect(firstOf("commit:after")).toBeLessThan(firstOf("run:before"));
    expect(firstOf("run:before")).toBeLessThan(firstOf("run:after"));
    expect(firstOf("run:after")).toBeLessThan(firstOf("end:after"));
  });
});
