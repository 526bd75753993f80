/**
 * Several supervisors share one database's triggers through per-trigger leases
 * (`leases: "trigger"`, the default on PostgreSQL; here on one SQLite file, which runs
 * the same supervisor code). A second TestClock that the test does not advance stands
 * for a paused process: its timers do not run while the other supervisor's time moves.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TestClock } from "../../src/schedule/TestClock.js";
import { NotOwner } from "../../src/supervisor/errors.js";
import type { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { Harness, MINUTE, rejection, SECOND, T0, until } from "./harness.js";

const LEASE = 3 * SECOND;
const NAMES = ["t1", "t2", "t3", "t4", "t5", "t6"];

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** Six every-minute triggers; `a` activates them (before start, as a service at boot). */
async function setup() {
  const h = new Harness();
  harnesses.push(h);
  for (const name of NAMES) {
    h.poll(
      name,
      h.dag(name, () => name),
      "* * * * *",
    );
  }
  const a = h.manager({ ownerId: "a", leases: "trigger", leaseMs: LEASE });
  for (const name of NAMES) await a.activate(name);
  return { h, a };
}

/** Scheduled instants in the ledger, per trigger: each must appear once. */
async function ticksOf(h: Harness, name: string): Promise<number[]> {
  const rows = await h.store.getEvents(name, { limit: 1_000 });
  return rows
    .filter((row) => row.scheduledAt !== undefined)
    .map((row) => (row.scheduledAt as Date).getTime())
    .sort((x, y) => x - y);
}

const owned = (m: TriggerManager) => m.status().owned.length;

describe("shared triggers (per-trigger leases)", () => {
  it("splits the triggers fairly between two supervisors and fires each tick once", async () => {
    const { h, a } = await setup();
    await a.start();
    expect(a.status()).toMatchObject({ role: "member", leases: "trigger" });
    expect(owned(a)).toBe(6);
    const b = h.manager({ ownerId: "b", leases: "trigger", leaseMs: LEASE });
    await b.start();
    // Within a few heartbeats, a gives back what is above its share and b takes it.
    for (let i = 0; i < 6 && owned(b) < 3; i++) await h.testClock.advance(LEASE / 3);
    await until(() => owned(a) === 3 && owned(b) === 3, "a 3/3 split");
    const status = b.status();
    expect(Object.keys(status.owners).sort()).toEqual(NAMES);
    for (const name of status.owned) expect(status.owners[name]).toBe("b");
    for (const name of a.status().owned) expect(b.status().owners[name]).toBe("a");

    const start = h.testClock.now();
    await h.testClock.advance(5 * MINUTE);
    await until(() => h.count("finished") >= 30, "30 runs");
    for (const name of NAMES) {
      const ticks = await ticksOf(h, name);
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(ticks.filter((t) => t > start)).toHaveLength(5);
    }
    expect(h.errors).toEqual([]);
  });

  it("a paused supervisor's triggers are taken over after its leases expire, and its late writes are refused", async () => {
    const { h, a } = await setup();
    // b runs on its own clock, which the test holds still: b is "paused".
    const bClock = new TestClock(T0);
    await a.start();
    const b = h.manager({ ownerId: "b", leases: "trigger", leaseMs: LEASE, clock: bClock });
    await b.stop();
    // b starts alone on a fresh split: a gives back three, b claims them.
    await b.start();
    for (let i = 0; i < 6 && owned(b) < 3; i++) {
      await h.testClock.advance(LEASE / 3);
      await bClock.advance(LEASE / 3);
    }
    await until(() => owned(b) === 3, "b owns 3");
    const bTriggers = b.status().owned;
    // b pauses; a's time goes on past b's leases: a takes b's triggers and fires them.
    await h.testClock.advance(2 * MINUTE);
    await until(() => owned(a) === 6, "a owns all six");
    const fires = h.count("fired");
    expect(fires).toBeGreaterThan(0);
    // b wakes up 2 minutes late: its due ticks try to commit under the old epochs.
    await bClock.advance(2 * MINUTE);
    await until(() => owned(b) === 0, "b let go of every trigger");
    const lost = h.errors.filter((e) => (e as { _tag?: string })._tag === "LeaseLost");
    expect(lost.length).toBeGreaterThan(0);
    for (const name of bTriggers) {
      const ticks = await ticksOf(h, name);
      expect(new Set(ticks).size).toBe(ticks.length);
    }
    await b.stop();
  });

  it("only the owner fires or deactivates a trigger; activating elsewhere is a no-op, or a command for the owner", async () => {
    const { h, a } = await setup();
    await a.start();
    const b = h.manager({ ownerId: "b", leases: "trigger", leaseMs: LEASE });
    await b.start();
    expect(owned(b)).toBe(0);
    const error = await rejection(b.fire("t1"));
    expect(error).toBeInstanceOf(NotOwner);
    expect(error).toMatchObject({ trigger: "t1", holder: "a" });
    expect((error as Error).message).toMatch(/owned by supervisor a/);
    await expect(b.deactivate("t1")).rejects.toBeInstanceOf(NotOwner);
    await b.activate("t1");
    expect((await h.store.getActivation("t1"))?.status).toBe("active");
    expect(owned(a)).toBe(6);
    // Activating a disabled trigger another supervisor owns asks the owner to do it.
    await a.deactivate("t2");
    await b.activate("t2");
    expect((await h.store.getActivation("t2"))?.status).toBe("disabled");
    expect(await h.store.pendingCommands()).toMatchObject([
      { triggerName: "t2", kind: "activate" },
    ]);
    await h.testClock.advance(SECOND);
    await until(
      async () => (await h.store.getActivation("t2"))?.status === "active",
      "the owner applied the activate command",
    );
    expect(a.states().t2).toBe("active");
  });

  it("a graceful stop gives the triggers back at once", async () => {
    const { h, a } = await setup();
    await a.start();
    const b = h.manager({ ownerId: "b", leases: "trigger", leaseMs: LEASE });
    await b.start();
    await a.stop();
    expect(owned(a)).toBe(0);
    expect(await h.store.triggerLeases()).toHaveLength(6);
    // b's next heartbeat (a third of the lease) claims all six: a left the live set.
    await h.testClock.advance(LEASE / 3);
    await until(() => owned(b) === 6, "b owns all six");
  });
});
