import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { HealthOptionInvalid } from "../../src/supervisor/errors.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { gate, harnessPerTest, MINUTE, SECOND, T0, until } from "./harness.js";

const harness = harnessPerTest();

/** A harness with one every-minute trigger "t", activated. */
async function everyMinute(fn: () => unknown = () => 1) {
  const h = harness();
  h.poll("t", h.dag("t", fn), "* * * * *");
  const manager = h.manager({ ownerId: "one" });
  await manager.activate("t");
  return { h, manager };
}

describe("manager.health()", () => {
  it("is not ok while stopped, and says so", async () => {
    const { manager } = await everyMinute();
    const health = await manager.health();
    expect(health).toMatchObject({
      ok: false,
      role: "stopped",
      storeReachable: true,
      runsInFlight: 0,
      oldestOverdueTickMs: undefined,
      reasons: ["the supervisor is not started"],
    });
  });

  it("is ok for a leader whose ticks fire on time; lastTickAt is the last tick handled", async () => {
    const { h, manager } = await everyMinute();
    await manager.start();
    expect(await manager.health()).toMatchObject({
      ok: true,
      role: "leader",
      lastTickAt: undefined,
      reasons: [],
    });
    await h.advanceAndFinish(MINUTE, 1);
    const health = await manager.health();
    expect(health.ok).toBe(true);
    expect(health.lastTickAt?.getTime()).toBe(T0 + MINUTE);
    expect(health.oldestOverdueTickMs).toBeUndefined();
  });

  it("is not ok for a leader once a due tick is more than maxOverdueMs late", async () => {
    const { h, manager } = await everyMinute();
    await manager.start();
    // The wall clock moves on, but the timer has not woken (a blocked event loop).
    h.testClock.jump(T0 + MINUTE + 45 * SECOND);
    const late = await manager.health();
    expect(late).toMatchObject({ ok: false, role: "leader", oldestOverdueTickMs: 45_000 });
    expect(late.reasons).toEqual(["a due tick is 45000 ms late (more than 30000 ms)"]);
    expect(await manager.health({ maxOverdueMs: 60_000 })).toMatchObject({
      ok: true,
      oldestOverdueTickMs: 45_000,
    });
    // A bound that is no bound is refused, not read as "anything is late".
    for (const [field, value] of [
      ["maxOverdueMs", -1],
      ["maxOverdueMs", 0],
      ["storeTimeoutMs", Number.NaN],
      ["maxOverdueMs", "30s"],
    ] as const) {
      const error = await manager.health({ [field]: value as number }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HealthOptionInvalid);
      expect(error).toMatchObject({ field, value });
      expect((error as Error).message).toMatch(/positive number of milliseconds/);
    }
  });

  it("counts the runs in flight", async () => {
    const open = gate();
    const { h, manager } = await everyMinute(() => open.promise);
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(async () => (await manager.health()).runsInFlight === 1, "one run in flight");
    open.open();
    await h.reportedAtLeast(1, "finished");
    expect((await manager.health()).runsInFlight).toBe(0);
  });

  it("is ok for a standby that reaches the store", async () => {
    const { h, manager } = await everyMinute();
    await manager.start();
    const otherStore = new TriggerStore(path.join(h.dir, "triggers.db"));
    const standby = new TriggerManager({
      namespace: h.ns,
      store: otherStore,
      clock: h.clock,
      ownerId: "two",
    });
    await standby.start();
    try {
      h.testClock.jump(T0 + 10 * MINUTE);
      expect(await standby.health()).toMatchObject({
        ok: true,
        role: "standby",
        storeReachable: true,
        oldestOverdueTickMs: undefined,
      });
    } finally {
      const stopped = standby.stop({ graceMs: 0 });
      await h.testClock.advance(0);
      await stopped;
      otherStore.close();
    }
  });

  it("is not ok when the store does not answer within storeTimeoutMs, or fails", async () => {
    const { h, manager } = await everyMinute();
    await manager.start();
    const read = vi.spyOn(h.store, "leaseHolder").mockReturnValue(new Promise(() => {}));
    const pending = manager.health({ storeTimeoutMs: 2_000 });
    await h.testClock.advance(2_000);
    const health = await pending;
    expect(health).toMatchObject({ ok: false, storeReachable: false, role: "leader" });
    expect(health.reasons[0]).toMatch(/did not answer a read/);
    read.mockRejectedValue(new Error("database is locked"));
    expect(await manager.health()).toMatchObject({ ok: false, storeReachable: false });
    read.mockRestore();
    expect((await manager.health()).ok).toBe(true);
  });
});
