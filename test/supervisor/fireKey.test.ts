/**
 * Issue 17, item 2: idempotent pushes. A second `fire` with the same key for the same
 * trigger answers the first fire's run (and result) and starts nothing; the database
 * enforces it (a unique index on the ledger), so it holds across restarts and processes.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { FireKeyInvalid, NotOwner } from "../../src/supervisor/errors.js";
import { TriggerManager, type TriggerManagerOptions } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { gate, type Harness, harnessPerTest, rejection, T0, until } from "./harness.js";

const makeHarness = harnessPerTest();
const harness = () => makeHarness({ provenance: true });

/** A push trigger `orders` whose one node counts its runs and doubles `n`. */
async function started(
  h: Harness,
  options: { blocked?: Promise<void>; faults?: TriggerManagerOptions["faults"] } = {},
) {
  const runs: unknown[] = [];
  const nsref = h.dag("orders", async (input: { n?: number }) => {
    runs.push(input);
    await options.blocked;
    return (input.n ?? 0) * 2;
  });
  h.ns.registerTrigger({ name: "orders", dagNsref: nsref, triggerType: "push" });
  h.ns.registerTrigger({ name: "refunds", dagNsref: nsref, triggerType: "push" });
  const manager = h.manager(options.faults ? { faults: options.faults } : {});
  await manager.activate("orders");
  await manager.activate("refunds");
  await manager.start();
  return { manager, runs };
}

describe("fire with a key (SQLite)", () => {
  it("the same key twice: one run, the second answers the first's run id and result", async () => {
    const h = harness();
    const { manager, runs } = await started(h);
    const first = await manager.fire("orders", { n: 2 }, { key: "delivery-1" });
    const second = await manager.fire("orders", { n: 99 }, { key: "delivery-1" });
    expect(first).toMatchObject({ status: "completed", outputs: { fn: 4 } });
    expect(second).toEqual({ runId: first.runId, status: "completed", outputs: { fn: 4 } });
    expect(runs).toEqual([{ n: 2 }]);
    const rows = await h.store.getEvents("orders");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ runId: first.runId, key: "delivery-1", kind: "push" });
    expect(h.errors).toEqual([]);
  });

  it("different keys, or one key on different triggers, make separate runs", async () => {
    const h = harness();
    const { manager, runs } = await started(h);
    const a = await manager.fire("orders", { n: 1 }, { key: "k1" });
    const b = await manager.fire("orders", { n: 2 }, { key: "k2" });
    const c = await manager.fire("refunds", { n: 3 }, { key: "k1" });
    const unkeyed = await manager.fire("orders", { n: 4 });
    expect(new Set([a.runId, b.runId, c.runId, unkeyed.runId]).size).toBe(4);
    expect(runs).toHaveLength(4);
    expect((await h.store.getEvents("orders")).map((e) => e.key)).toEqual([undefined, "k2", "k1"]);
  });

  it("while the first still runs, the second waits for that same run", async () => {
    const h = harness();
    const g = gate();
    const { manager, runs } = await started(h, { blocked: g.promise });
    const first = manager.fire("orders", { n: 5 }, { key: "slow" });
    await until(() => runs.length === 1, "the first run started");
    const second = manager.fire("orders", { n: 6 }, { key: "slow" });
    g.open();
    const [one, two] = await Promise.all([first, second]);
    expect(two).toEqual(one);
    expect(one.outputs).toEqual({ fn: 10 });
    expect(runs).toHaveLength(1);
    expect(await h.store.getEvents("orders")).toHaveLength(1);
  });

  it("two fires with one key at once step one fire (the second waits its turn)", async () => {
    const h = harness();
    const { manager, runs } = await started(h);
    const results = await Promise.all(
      [1, 2, 3].map((n) => manager.fire("orders", { n }, { key: "burst" })),
    );
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    expect(runs).toEqual([{ n: 1 }]);
  });

  it("after a restart the key still answers the first run, read from the run history", async () => {
    const h = harness();
    const { manager, runs } = await started(h);
    const first = await manager.fire("orders", { n: 7 }, { key: "again" });
    const stopping = manager.stop({ graceMs: 0 });
    await h.testClock.advance(0);
    await stopping;
    const next = h.manager();
    await next.start();
    const again = await next.fire("orders", { n: 8 }, { key: "again" });
    expect(again).toEqual({ runId: first.runId, status: "completed", outputs: { fn: 14 } });
    expect(runs).toHaveLength(1);
  });

  it("a bad key is a typed FireKeyInvalid and records nothing", async () => {
    const h = harness();
    const { manager } = await started(h);
    for (const [key, reason] of [
      ["", "is empty"],
      ["x".repeat(201), "has 201 characters"],
      [42, "is a number, not a string"],
    ] as const) {
      const error = await rejection(manager.fire("orders", {}, { key: key as string }));
      expect(error).toBeInstanceOf(FireKeyInvalid);
      expect(error).toMatchObject({ name: "orders", reason });
      expect((error as Error).message).toContain("at most 200 characters");
    }
    expect(await manager.fire("orders", {}, { key: "x".repeat(200) })).toMatchObject({
      status: "completed",
    });
    expect(await h.store.getEvents("orders")).toHaveLength(1);
  });

  it("a key another writer committed first: this fire's commit fails whole and answers the winner", async () => {
    const h = harness();
    // A second writer lands the key between this fire's look-up and its commit; the
    // unique index refuses this commit, the machine's step is reverted with it.
    let armed = false;
    let raced = false;
    const { manager, runs } = await started(h, {
      faults: (step, at) => {
        if (step !== "commit:before" || !armed || raced || !at.triggers.includes("orders")) return;
        raced = true;
        // SQLite writes synchronously: on disk before this fire's commit begins.
        void h.store.backend.commit(
          "the other writer",
          [
            {
              kind: "insertEvent",
              eventId: "winner",
              name: "orders",
              firedAt: T0,
              scheduledAt: null,
              runId: "winner-run",
              payload: {},
              status: "completed",
              error: null,
              fireKind: "push",
              fireKey: "contested",
            },
          ],
          {},
        );
      },
    });
    armed = true;
    const answer = await manager.fire("orders", { n: 1 }, { key: "contested" });
    expect(raced).toBe(true);
    expect(answer).toMatchObject({ runId: "winner-run", status: "completed" });
    expect(runs).toHaveLength(0);
    expect((await h.store.getEvents("orders")).map((e) => e.eventId)).toEqual(["winner"]);
    expect(manager.states()).toMatchObject({ orders: "active" });
    // The trigger was not left half-stepped: the next fire runs.
    expect(await manager.fire("orders", { n: 2 })).toMatchObject({ outputs: { fn: 4 } });
  });
});

describePg("fire with a key on PostgreSQL (a fresh schema)", () => {
  it("one key, one run; two supervisors racing the same key make one run", async () => {
    const h = harness();
    const scratch = await freshSchema();
    const clock = new TestClock(T0);
    const runs: unknown[] = [];
    const nsref = h.dag("pg", async (input: { n?: number }) => {
      runs.push(input);
      return (input.n ?? 0) * 2;
    });
    h.ns.registerTrigger({ name: "orders", dagNsref: nsref, triggerType: "push" });
    const stores = [0, 1].map(() => new TriggerStore(scratch.url, { schema: scratch.schema }));
    const provenance = new DagProvenance(path.join(h.dir, "pg-runs.db"));
    const managers = stores.map(
      (store, i) =>
        new TriggerManager({
          namespace: h.ns,
          store,
          clock,
          provenance,
          ownerId: `s${i}`,
          onError: () => {},
        }),
    );
    try {
      await (managers[0] as TriggerManager).activate("orders");
      for (const m of managers) await m.start();
      const [a, b] = managers as [TriggerManager, TriggerManager];
      const first = await a.fire("orders", { n: 1 }, { key: "pg-1" });
      expect(await a.fire("orders", { n: 2 }, { key: "pg-1" })).toEqual(first);
      // Racing: each either answers the one run or is refused (the other owns the trigger).
      const raced = await Promise.allSettled([
        a.fire("orders", { n: 3 }, { key: "race" }),
        b.fire("orders", { n: 4 }, { key: "race" }),
      ]);
      const ids = new Set<string>();
      for (const outcome of raced) {
        if (outcome.status === "fulfilled") ids.add(outcome.value.runId);
        else expect(outcome.reason).toBeInstanceOf(NotOwner);
      }
      expect(ids.size).toBe(1);
      // Once it is on record, the other supervisor answers it too.
      const [runId] = [...ids];
      expect((await b.fire("orders", { n: 5 }, { key: "race" })).runId).toBe(runId);
      expect((await a.fire("orders", { n: 6 }, { key: "race" })).runId).toBe(runId);
      const rows = await (stores[0] as TriggerStore).getEvents("orders");
      expect(rows.map((r) => r.key).sort()).toEqual(["pg-1", "race"]);
      expect(runs).toHaveLength(2);
    } finally {
      for (const m of managers) {
        const stopping = m.stop({ graceMs: 0 });
        await clock.advance(0);
        await stopping;
      }
      for (const store of stores) await store.close();
      provenance.close();
      await scratch.drop();
    }
  });
});
