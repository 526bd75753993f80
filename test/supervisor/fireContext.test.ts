/**
 * Issue 16, item 1: a run knows which tick it is for. Every node (and a sub-DAG's nodes,
 * and a poll function) sees `ctx.fire` — trigger, event id, scheduled instant, fire time,
 * kind — read from the fire ledger, so a resumed run sees what it saw before the crash.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import type { FireContext, NodeContext } from "../../src/dag/NodeContext.js";
import type { PollContext } from "../../src/namespace/TriggerDefinition.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { FireKindInvalid } from "../../src/supervisor/errors.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { gate, Harness, HOUR, MINUTE, T0, until } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** A one-node DAG whose node records the context it was called with. */
function recording(harness: Harness, branch: string): { nsref: string; seen: FireContext[] } {
  const seen: FireContext[] = [];
  const nsref = harness.dag(branch, (_: unknown, ctx: NodeContext) => {
    if (ctx.fire !== undefined) seen.push(ctx.fire);
    return ctx.fire?.kind ?? "none";
  });
  return { nsref, seen };
}

describe("ctx.fire of scheduled fires", () => {
  it('catchUp "all" after 10 minutes down: each catch-up run sees its own scheduledAt and kind "catchUp"', async () => {
    h = new Harness();
    const { nsref, seen } = recording(h, "hourly");
    h.poll("t", nsref, "* * * * *", { catchUp: "all" });
    const first = h.manager();
    await first.activate("t");
    await first.start();
    await h.advanceAndFinish(MINUTE, 1);
    await first.stop();
    await h.testClock.advance(10 * MINUTE); // down: ticks 2..11 are owed
    const second = h.manager();
    await second.start();
    await h.testClock.advance(0);
    await h.reportedAtLeast(11, "finished");

    // The on-time fire before the downtime, then one catch-up run per owed tick.
    expect(seen[0]).toEqual({
      trigger: "t",
      eventId: expect.any(String),
      scheduledAt: new Date(T0 + MINUTE),
      firedAt: new Date(T0 + MINUTE),
      kind: "tick",
    });
    const caughtUp = seen.slice(1);
    expect(caughtUp.map((f) => f.scheduledAt?.getTime())).toEqual(
      Array.from({ length: 10 }, (_, i) => T0 + (i + 2) * MINUTE),
    );
    expect(new Set(caughtUp.map((f) => f.kind))).toEqual(new Set(["catchUp"]));
    // All fired after the restart (at T0 + 11 min), not at their instants.
    expect(caughtUp.every((f) => f.firedAt.getTime() === T0 + 11 * MINUTE)).toBe(true);
    expect(new Set(seen.map((f) => f.eventId)).size).toBe(11);

    // The ledger says the same, row by row.
    const rows = [...(await h.store.getEvents("t"))].reverse();
    expect(rows.map((r) => r.kind)).toEqual(["tick", ...Array(10).fill("catchUp")]);
    expect(rows.map((r) => r.eventId)).toEqual(seen.map((f) => f.eventId));

    // Back on time: the next tick is a "tick" again.
    await h.advanceAndFinish(MINUTE, 12);
    expect(seen.at(-1)).toMatchObject({ kind: "tick", scheduledAt: new Date(T0 + 12 * MINUTE) });
  });

  it('missed ticks are recorded with the kind they would have had ("catchUp" while down)', async () => {
    h = new Harness();
    const { nsref } = recording(h, "latest");
    h.poll("t", nsref, "* * * * *");
    const first = h.manager();
    await first.activate("t");
    await first.start();
    await h.advanceAndFinish(MINUTE, 1);
    await first.stop();
    await h.testClock.advance(3 * MINUTE);
    await h.manager().start();
    await h.testClock.advance(0);
    await h.reportedAtLeast(2, "finished");
    await until(async () => (await h.store.getEvents("t")).length === 4, "4 rows");
    const rows = [...(await h.store.getEvents("t"))].reverse();
    expect(rows.map((r) => [r.status, r.kind])).toEqual([
      ["completed", "tick"],
      ["missed", "catchUp"],
      ["missed", "catchUp"],
      ["completed", "catchUp"],
    ]);
  });
});

describe("ctx.fire of fire()", () => {
  it('a push fire sees kind "push", scheduledAt null, the fire time and its ledger row', async () => {
    h = new Harness();
    const { nsref, seen } = recording(h, "orders");
    h.ns.registerTrigger({ name: "orders", dagNsref: nsref, triggerType: "push" });
    const manager = h.manager();
    await manager.activate("orders");
    await manager.start();
    await h.testClock.advance(5 * MINUTE);
    const result = await manager.fire("orders", { id: 1 });
    expect(result.outputs).toEqual({ fn: "push" });
    const [row] = await h.store.getEvents("orders");
    expect(seen).toEqual([
      {
        trigger: "orders",
        eventId: row?.eventId,
        scheduledAt: null,
        firedAt: new Date(T0 + 5 * MINUTE),
        kind: "push",
      },
    ]);
    expect(row?.kind).toBe("push");
    // Said to be manual (as tickflow fire says), it is recorded and seen as manual.
    await manager.fire("orders", {}, { kind: "manual" });
    expect(seen.at(-1)?.kind).toBe("manual");
    expect((await h.store.getEvents("orders"))[0]?.kind).toBe("manual");
    // A kind only the supervisor gives (or a typo) is refused, and nothing is fired.
    for (const kind of ["bogus", "tick", "backfill"]) {
      const error = await manager.fire("orders", {}, { kind: kind as "push" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FireKindInvalid);
      expect(error).toMatchObject({ name: "orders", kind });
      expect((error as Error).message).toMatch(/give "push" or "manual"/);
    }
    expect(await h.store.getEvents("orders")).toHaveLength(2);
  });

  it('fire() on a scheduled trigger is "manual"; a sub-DAG node sees its parent\'s ctx.fire', async () => {
    h = new Harness();
    const seen: (FireContext | undefined)[] = [];
    const inner = new Dag();
    inner.node((x: unknown, ctx: NodeContext) => {
      seen.push(ctx.fire);
      return x;
    });
    const outer = new Dag();
    outer.node(inner, { label: "inner" });
    h.ns.register(outer, { nsref: "nested:dag" });
    h.poll("hourly", "nested:dag", "0 * * * *");
    const manager = h.manager();
    await manager.activate("hourly");
    await manager.start();
    await manager.fire("hourly", {});
    expect(seen).toEqual([
      {
        trigger: "hourly",
        eventId: expect.any(String),
        scheduledAt: null,
        firedAt: new Date(T0),
        kind: "manual",
      },
    ]);
  });

  it("a run outside a trigger has no ctx.fire", async () => {
    const seen: unknown[] = [];
    const dag = new Dag();
    dag.node((_: unknown, ctx: NodeContext) => seen.push(ctx.fire));
    await dag.run({});
    expect(seen).toEqual([undefined]);
  });
});

describe("ctx.fire of a resumed run", () => {
  it("a run resumed after a crash (a fresh supervisor, nothing in memory) sees the same ctx.fire", async () => {
    h = new Harness({ provenance: true });
    const seen: { attempt: number; fire: FireContext | undefined }[] = [];
    const hang = gate();
    h.poll(
      "t",
      h.dag("crash", async (_: unknown, ctx: NodeContext) => {
        seen.push({ attempt: ctx.attempt, fire: ctx.fire });
        // The first try never ends (nor heeds its signal): its process "dies" with it.
        if (ctx.attempt === 1) await hang.promise;
        return "done";
      }),
      "*/5 * * * *",
    );
    const first = h.manager({ leaseMs: 15_000 });
    await first.activate("t");
    await first.start();
    await h.testClock.advance(5 * MINUTE);
    await until(() => seen.length === 1, "the first try started");

    // The crash: `first` is frozen (its clock never moves again, its run never ends), and
    // a new supervisor — other objects on the same files, its own clock past the dead
    // one's lease — takes over and resumes the run from what is on disk.
    const clock = new TestClock(T0 + 5 * MINUTE + 30_000);
    const store = new TriggerStore(path.join(h.dir, "triggers.db"));
    const provenance = new DagProvenance(path.join(h.dir, "provenance.db"));
    const second = new TriggerManager({
      namespace: h.ns,
      store,
      provenance,
      clock,
      leaseMs: 15_000,
      onError: () => {},
    });
    try {
      await second.start();
      await clock.advance(0);
      await until(() => seen.length === 2, "the resumed try started");
      await until(
        async () => (await store.getEvents("t")).some((e) => e.status === "completed"),
        "the resumed run completed",
      );
      expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
      expect(seen[1]?.fire).toEqual(seen[0]?.fire);
      expect(seen[0]?.fire).toMatchObject({
        trigger: "t",
        scheduledAt: new Date(T0 + 5 * MINUTE),
        firedAt: new Date(T0 + 5 * MINUTE),
        kind: "tick",
      });
    } finally {
      const stopping = second.stop({ graceMs: 0 });
      await clock.advance(0);
      await stopping;
      hang.open();
      store.close();
      provenance.close();
    }
  });
});

describe("a fire buffered before a restart", () => {
  it("starts after it from its own ledger row (updated, not inserted again) and sees its tick", async () => {
    h = new Harness({ provenance: true });
    const release = gate();
    const seen: FireContext[] = [];
    h.poll(
      "b",
      h.dag("b", async (_: unknown, ctx: NodeContext) => {
        if (ctx.fire) seen.push(ctx.fire);
        if (seen.length === 1) {
          // The first run is interrupted by the stop below.
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener("abort", () => resolve()),
          );
          throw new Error("interrupted");
        }
        await release.promise;
        return "ok";
      }),
      "* * * * *",
      { overlap: "bufferOne" },
    );
    const first = h.manager();
    await first.activate("b");
    await first.start();
    await h.testClock.advance(MINUTE);
    await until(() => seen.length === 1, "the first run");
    await h.testClock.advance(MINUTE); // the 00:02 tick is buffered behind it
    await until(
      async () => (await h.store.getEvents("b")).some((e) => e.status === "buffered"),
      "a buffered row",
    );
    const stopping = first.stop({ graceMs: 10 });
    await h.testClock.advance(10);
    await stopping;

    const second = h.manager();
    await second.start();
    release.open();
    await h.testClock.advance(0);
    await until(
      async () => (await h.store.getEvents("b")).every((e) => e.status === "completed"),
      "both runs completed",
    );
    const rows = [...(await h.store.getEvents("b"))].reverse();
    expect(rows.map((r) => [r.scheduledAt?.getTime(), r.status, r.kind])).toEqual([
      [T0 + MINUTE, "completed", "tick"],
      [T0 + 2 * MINUTE, "completed", "tick"],
    ]);
    // The resumed first run, then the buffered one, each with its own tick.
    expect(seen.map((f) => f.scheduledAt?.getTime())).toEqual([
      T0 + MINUTE,
      T0 + MINUTE,
      T0 + 2 * MINUTE,
    ]);
    expect(seen[2]?.eventId).toBe(rows[1]?.eventId);
    expect(h.errors).toEqual([]);
  });
});

describe("the poll function's context", () => {
  it("gets scheduledAt, kind, the event id of the row its answer leads to, and its signal", async () => {
    h = new Harness();
    const polls: PollContext[] = [];
    const { nsref, seen } = recording(h, "polled");
    h.poll("p", nsref, "0 * * * *", {
      pollFn: (ctx) => {
        polls.push(ctx);
        return polls.length === 1 ? { n: 1 } : null;
      },
    });
    const manager = h.manager();
    await manager.activate("p");
    await manager.start();
    await h.advanceAndFinish(HOUR, 1);
    await h.testClock.advance(HOUR);
    await h.reportedAtLeast(1, "poll_empty");
    const [fired, empty] = polls;
    expect(fired).toMatchObject({
      trigger: "p",
      scheduledAt: new Date(T0 + HOUR),
      firedAt: new Date(T0 + HOUR),
      kind: "tick",
    });
    expect(fired?.signal).toBeInstanceOf(AbortSignal);
    expect(fired?.signal.aborted).toBe(false);
    // The run's ctx.fire and the ledger row name the tick the poll was asked about.
    expect(seen[0]?.eventId).toBe(fired?.eventId);
    const rows = await h.store.getEvents("p");
    expect(rows.map((r) => [r.status, r.eventId, r.kind])).toEqual([
      ["poll_empty", empty?.eventId, "tick"],
      ["completed", fired?.eventId, "tick"],
    ]);
  });

  it("a poll function written for the signal alone keeps working: ctx is that AbortSignal", async () => {
    h = new Harness();
    const signals: AbortSignal[] = [];
    h.poll(
      "legacy",
      h.dag("legacy", () => 1),
      "0 * * * *",
      {
        pollTimeout: 1_000,
        pollFn: (signal: AbortSignal) => {
          signals.push(signal);
          return new Promise((resolve) => signal.addEventListener("abort", () => resolve(null)));
        },
      },
    );
    const manager = h.manager();
    await manager.activate("legacy");
    await manager.start();
    await h.testClock.advance(HOUR);
    await until(() => signals.length === 1, "polled");
    await h.testClock.advance(1_000);
    await h.reportedAtLeast(1, "poll_failed");
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0] as PollContext).signal).toBe(signals[0]);
  });
});

describePg("ctx.fire on PostgreSQL (a fresh schema)", () => {
  it("a tick and a push see their context; the ledger rows carry their kinds", async () => {
    h = new Harness();
    const scratch = await freshSchema();
    const store = new TriggerStore(scratch.url, { schema: scratch.schema });
    const clock = new TestClock(T0);
    const { nsref, seen } = recording(h, "pg");
    h.poll("tick", nsref, "*/5 * * * *");
    h.ns.registerTrigger({ name: "push", dagNsref: nsref, triggerType: "push" });
    const manager = new TriggerManager({ namespace: h.ns, store, clock, onError: () => {} });
    try {
      await manager.start();
      await manager.activate("tick");
      await manager.activate("push");
      await clock.advance(5 * MINUTE);
      await until(async () => (await store.getEvents("tick"))[0]?.status === "completed", "tick");
      await manager.fire("push", {});
      expect(seen).toEqual([
        {
          trigger: "tick",
          eventId: (await store.getEvents("tick"))[0]?.eventId,
          scheduledAt: new Date(T0 + 5 * MINUTE),
          firedAt: new Date(T0 + 5 * MINUTE),
          kind: "tick",
        },
        {
          trigger: "push",
          eventId: (await store.getEvents("push"))[0]?.eventId,
          scheduledAt: null,
          firedAt: new Date(T0 + 5 * MINUTE),
          kind: "push",
        },
      ]);
      expect((await store.getEvents("tick"))[0]?.kind).toBe("tick");
      expect((await store.getEvents("push"))[0]?.kind).toBe("push");
      await manager.deactivate("tick", { note: "paused on pg", by: "carol" });
      expect((await store.getActivation("tick"))?.statusNote).toEqual({
        note: "paused on pg",
        by: "carol",
        at: new Date(T0 + 5 * MINUTE),
      });
    } finally {
      const stopping = manager.stop({ graceMs: 0 });
      await clock.advance(0);
      await stopping;
      await store.close();
      await scratch.drop();
    }
  });
});
