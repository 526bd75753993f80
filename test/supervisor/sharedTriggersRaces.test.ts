/**
 * Races of shared mode (per-trigger leases) found in review, each pinned by a test that
 * failed before its fix: a trigger taken over twice by one supervisor, an unhandled
 * rejection from a refused fire, a hand-fired run resumed again by start(), a stray lease
 * holding a share forever, a run end given up after a transient failure, leases lapsing
 * during stop()'s grace. SQLite + TestClock, in process; a second TestClock that is not
 * advanced = a paused process (as in test/supervisor/sharedTriggers.test.ts).
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/schedule/TestClock.js";
import type { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { gate, Harness, rejection, SECOND, T0, turn, until } from "./harness.js";

const LEASE = 3 * SECOND;

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const owned = (m: TriggerManager) => m.status().owned;

describe("review: shared triggers", () => {
  it("a fire() whose write-ahead commit is refused (LeaseLost) rejects once, with nothing left unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const h = new Harness();
      harnesses.push(h);
      h.poll(
        "t1",
        h.dag("t1", () => "ok"),
        "0 * * * *",
      );
      // b runs on a clock the test holds still: b is "paused" once it owns t1.
      const bClock = new TestClock(T0);
      const b = h.manager({ ownerId: "b", leases: "trigger", leaseMs: LEASE, clock: bClock });
      await b.activate("t1");
      await b.start();
      expect(owned(b)).toEqual(["t1"]);
      const a = h.manager({ ownerId: "a", leases: "trigger", leaseMs: LEASE });
      await a.start();
      // a's time goes past b's lease: a takes t1 over.
      for (let i = 0; i < 6 && owned(a).length === 0; i++) await h.testClock.advance(LEASE / 3);
      await until(() => owned(a).includes("t1"), "a owns t1");
      // b wakes and fires t1 by hand (an HTTP push handler, a CLI command): its commit is
      // fenced and refused. The caller gets a rejection; nothing else may reject unseen.
      const error = await rejection(b.fire("t1"));
      expect((error as { _tag?: string })._tag).toBe("LeaseLost");
      for (let i = 0; i < 5; i++) await turn();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("deactivate() of an unknown name takes no lease; no real trigger is dropped and re-taken, no tick missed", async () => {
    const h = new Harness();
    harnesses.push(h);
    for (const name of ["t1", "t2"]) {
      h.poll(
        name,
        h.dag(name, () => name),
        "* * * * *",
        { catchUp: "skip" },
      );
    }
    const a = h.manager({ ownerId: "a", leases: "trigger", leaseMs: LEASE });
    await a.activate("t1");
    await a.activate("t2");
    await a.start();
    expect(owned(a)).toEqual(["t1", "t2"]);
    // A typo (or a CLI `tickflow deactivate` of a name this namespace lacks): rejected...
    await expect(a.deactivate("t3-typo")).rejects.toMatchObject({ _tag: "TriggerNotFound" });
    // ...but it left a lease behind, renewed at every heartbeat and counted in a's share.
    await h.testClock.advance(10 * 60 * SECOND);
    await turn();
    const leases = await h.store.triggerLeases();
    const missed = {
      t1: (await h.store.getEvents("t1", { limit: 100 })).filter((e) => e.status === "missed"),
      t2: (await h.store.getEvents("t2", { limit: 100 })).filter((e) => e.status === "missed"),
    };
    // The one live supervisor fires every tick of both triggers (nothing was down).
    expect({ t1: missed.t1.length, t2: missed.t2.length }).toEqual({ t1: 0, t2: 0 });
    expect({ t1: h.count("fired", "t1"), t2: h.count("fired", "t2") }).toEqual({ t1: 10, t2: 10 });
    expect(owned(a)).toEqual(["t1", "t2"]);
    expect(leases.map((l) => l.triggerName)).not.toContain("t3-typo");
  });

  it("a run fired by hand before start() is not resumed a second time by start()", async () => {
    const h = new Harness({ provenance: true });
    harnesses.push(h);
    const g = gate();
    let calls = 0;
    h.poll(
      "t1",
      h.dag("t1", async () => {
        calls++;
        await g.promise;
        return "ok";
      }),
      "0 0 1 1 *",
    );
    const a = h.manager({ ownerId: "a", leases: "trigger", leaseMs: LEASE });
    await a.activate("t1");
    // "A stopped manager may still fire by hand" (TriggerManager.stop): the run starts now.
    const result = a.fire("t1");
    await until(() => calls === 1, "the node runs");
    await a.start();
    for (let i = 0; i < 3; i++) await h.testClock.advance(LEASE / 3);
    for (let i = 0; i < 5; i++) await turn();
    g.open();
    await result;
    await h.reportedAtLeast(1, "finished", "t1");
    for (let i = 0; i < 5; i++) await turn();
    // One fire, one run: its node was called once.
    expect({ calls, resumed: h.count("resumed", "t1") }).toEqual({ calls: 1, resumed: 0 });
  });

  it("stop() keeps its leases alive during the grace: no other supervisor resumes a run still running", async () => {
    const h = new Harness({ provenance: true });
    harnesses.push(h);
    const g = gate();
    let calls = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    h.poll(
      "t1",
      h.dag("t1", async () => {
        calls++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await g.promise;
        concurrent--;
        return "ok";
      }),
      "0 0 1 1 *",
    );
    const a = h.manager({ ownerId: "a", leases: "trigger", leaseMs: LEASE });
    await a.activate("t1");
    await a.start();
    const b = h.manager({ ownerId: "b", leases: "trigger", leaseMs: LEASE });
    await b.start();
    const result = a.fire("t1");
    await until(() => calls === 1, "the node runs on a");
    // A graceful stop that lets the run finish within 10 s (the default grace).
    const stopped = a.stop({ graceMs: 10 * SECOND });
    for (let i = 0; i < 9; i++) await h.testClock.advance(LEASE / 3);
    for (let i = 0; i < 5; i++) await turn();
    // a is still stopping, its run still in flight; nobody else may have started it again.
    expect({ calls, maxConcurrent }).toEqual({ calls: 1, maxConcurrent: 1 });
    expect(b.status().owned).toEqual([]);
    g.open();
    await h.testClock.advance(10 * SECOND);
    await stopped;
    await result.catch(() => {});
  });

  it("a claim by fire() racing a heartbeat adopts the trigger once: its run in flight is resumed once", async () => {
    const h = new Harness({ provenance: true });
    harnesses.push(h);
    const g = gate();
    let calls = 0;
    h.poll(
      "t1",
      h.dag("t1", async () => {
        calls++;
        await g.promise;
        return "ok";
      }),
      "0 0 1 1 *",
    );
    // "old" owns t1 and is mid-run when it pauses (its clock is never advanced again).
    const oldClock = new TestClock(T0);
    const old = h.manager({ ownerId: "old", leases: "trigger", leaseMs: LEASE, clock: oldClock });
    await old.activate("t1");
    await old.start();
    void old.fire("t1").catch(() => {});
    await until(() => calls === 1, "old runs the node");
    const a = h.manager({ ownerId: "a", leases: "trigger", leaseMs: LEASE });
    await a.start();
    expect(a.status().owned).toEqual([]);
    // On PostgreSQL a claim's answer takes a round trip; a heartbeat on another pooled
    // connection can start and finish meanwhile. Here: the named claim's answer is held.
    const backend = h.store.backend;
    const claim = backend.claimTriggers.bind(backend);
    const answer = gate();
    (backend as { claimTriggers: typeof backend.claimTriggers }).claimTriggers = async (
      ...args
    ) => {
      const held = await claim(...args);
      if (args[4] !== undefined) await answer.promise;
      return held;
    };
    // old's lease has expired by a's clock; a fires t1 by hand (or applies a CLI command).
    await h.testClock.jump(T0 + LEASE);
    const fired = a.fire("t1").catch((e: unknown) => e);
    await turn();
    await h.testClock.advance(0); // a's heartbeat runs while the claim's answer is on its way
    for (let i = 0; i < 5; i++) await turn();
    answer.open();
    await fired;
    for (let i = 0; i < 5; i++) await turn();
    try {
      // The node ran on old (paused, fenced) and once more on a (resumed): not twice on a.
      expect({ calls, resumedOnA: h.count("resumed", "t1") }).toEqual({ calls: 2, resumedOnA: 1 });
    } finally {
      g.open();
      const stopping = old.stop({ graceMs: 0 });
      await oldClock.advance(0);
      await stopping;
    }
  });

  it("a run end refused by a transient error (a lock) is retried until it commits; the trigger fires again", async () => {
    const h = new Harness();
    harnesses.push(h);
    let g = gate();
    let calls = 0;
    h.poll(
      "t1",
      h.dag("t1", async () => {
        calls++;
        await g.promise;
        return "ok";
      }),
      "* * * * *",
    );
    const store = new TriggerStore(path.join(h.dir, "triggers.db"), { busyTimeoutMs: 20 });
    const a = h.manager({ ownerId: "a", leases: "trigger", leaseMs: LEASE, store });
    try {
      await a.activate("t1");
      await a.start();
      await h.testClock.advance(60 * SECOND);
      await until(() => calls === 1, "the first run");
      // Another process holds the write lock for a moment, just as the run ends.
      const locker = new Database(path.join(h.dir, "triggers.db"));
      locker.exec("BEGIN IMMEDIATE");
      g.open();
      await until(
        () => h.errors.some((e) => (e as { _tag?: string })._tag === "DatabaseLocked"),
        "DatabaseLocked",
      );
      locker.exec("ROLLBACK");
      locker.close();
      g = gate();
      g.open();
      // The lock is gone; ten minutes later the trigger has fired again.
      await h.testClock.advance(10 * 60 * SECOND);
      for (let i = 0; i < 5; i++) await turn();
      expect({ state: a.states().t1, calls }).toEqual({ state: "active", calls: 11 });
    } finally {
      await a.stop({ graceMs: 0 });
      store.close();
    }
  });
});
