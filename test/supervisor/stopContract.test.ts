/**
 * Issue 14, contract 3b: what `stop()` promises. When it resolves nothing of this
 * supervisor is `running`; a `stop()` before `start()` settled waits for it, then stops;
 * two `stop()` calls share one promise; a stopped supervisor holds no lease.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { gate, Harness, SECOND, until } from "./harness.js";

const harnesses: Harness[] = [];
function harness(): Harness {
  const h = new Harness({ provenance: true });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** Rows of the trigger database that say `running` (the ledger) — none after a stop. */
function running(h: Harness): unknown[] {
  const db = new Database(path.join(h.dir, "triggers.db"), { readonly: true });
  try {
    return db.prepare("SELECT event_id, status FROM trigger_events WHERE status = 'running'").all();
  } finally {
    db.close();
  }
}

describe("stop(): the contract", () => {
  it("two stop() calls share one promise; neither resolves before the run in flight is settled", async () => {
    const h = harness();
    const g = gate();
    h.ns.registerTrigger({
      name: "push",
      dagNsref: h.dag("p", () => g.promise),
      triggerType: "push",
    });
    const manager = h.manager();
    await manager.activate("push");
    await manager.start();
    const result = manager.fire("push", {});
    result.catch(() => {});
    await h.reportedAtLeast(1, "fired");
    const first = manager.stop({ graceMs: 10 * SECOND });
    const second = manager.stop({ graceMs: 0 });
    expect(second).toBe(first);
    let settled = false;
    void first.then(() => {
      settled = true;
    });
    await h.testClock.advance(SECOND);
    expect(settled).toBe(false);
    g.open();
    await first;
    expect((await result).status).toBe("completed");
    expect(running(h)).toEqual([]);
    expect(manager.status().role).toBe("stopped");
  });

  it("stop() before start() settled (database lease): waits for it, then stops; nothing fires, the lease is free", async () => {
    const h = harness();
    let calls = 0;
    h.poll(
      "every",
      h.dag("e", () => (calls += 1)),
      "* * * * * *",
    );
    const manager = h.manager();
    await manager.activate("every");
    const started = manager.start();
    const stopped = manager.stop({ graceMs: 0 });
    await started;
    await stopped;
    expect(manager.status()).toMatchObject({ role: "stopped", epoch: undefined });
    await h.testClock.advance(5 * SECOND);
    expect(calls).toBe(0);
    // The lease was given back: another supervisor leads at once.
    const next = h.manager();
    await next.start();
    expect(next.status().role).toBe("leader");
    expect((await h.store.backend.leaseHolder())?.epoch).toBe(2);
  });

  it("stop() before start() settled (shared triggers): never a member after stop() resolved", async () => {
    const h = harness();
    let calls = 0;
    h.poll(
      "every",
      h.dag("e", () => (calls += 1)),
      "* * * * * *",
    );
    const manager = h.manager({ leases: "trigger" });
    await manager.activate("every");
    const started = manager.start();
    const stopped = manager.stop({ graceMs: 0 });
    await Promise.all([started, stopped]);
    expect(manager.status()).toMatchObject({ role: "stopped", owned: [] });
    await h.testClock.advance(5 * SECOND);
    expect(calls).toBe(0);
    const held = (await h.store.backend.triggerLeases()).filter(
      (lease) => lease.ownerId === manager.ownerId,
    );
    expect(held).toEqual([]);
  });

  it("stop() on a standby resolves at once and leaves the leader's lease alone", async () => {
    const h = harness();
    h.poll(
      "every",
      h.dag("e", () => 1),
      "* * * * * *",
    );
    const leader = h.manager();
    await leader.activate("every");
    await leader.start();
    const standby = h.manager();
    await standby.start();
    expect(standby.status().role).toBe("standby");
    await standby.stop();
    expect(standby.status().role).toBe("stopped");
    expect((await h.store.backend.leaseHolder())?.ownerId).toBe(leader.ownerId);
    await h.testClock.advance(SECOND);
    await h.reportedAtLeast(1, "finished");
  });

  it("a run interrupted by stop() is recorded interrupted and resumed by the next start", async () => {
    const h = harness();
    const g = gate();
    let attempts = 0;
    h.poll(
      "every",
      h.dag("e", async (_input: unknown, ctx) => {
        attempts = Math.max(attempts, ctx.attempt);
        if (ctx.attempt === 1) await g.promise;
      }),
      "0 * * * * *",
    );
    const manager = h.manager();
    await manager.activate("every");
    await manager.start();
    await h.testClock.advance(60 * SECOND);
    await h.reportedAtLeast(1, "fired");
    const stopped = manager.stop({ graceMs: SECOND });
    await h.testClock.advance(SECOND);
    await stopped;
    expect(running(h)).toEqual([]);
    g.open();
    const next = h.manager();
    await next.start();
    await until(() => attempts === 2, "the resumed run's second attempt");
    await h.reportedAtLeast(1, "resumed");
  });
});
