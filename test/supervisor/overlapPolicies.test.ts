/**
 * The overlap policies at the supervisor, on real SQLite files and a TestClock:
 * `bufferAll` fires every kept tick in order, `cancelOther` interrupts the run in flight
 * (recorded `cancelled`) and then starts the new one, `allowAll` runs in parallel up to
 * `maxConcurrent`; and a trigger database written by machine version 1 is restored.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { transition } from "xstate";
import { TRIGGER_MACHINE_VERSION, triggerMachine } from "../../machines/trigger.machine.js";
import { explain } from "../../src/inspect/explain.js";
import { InvalidTriggerOption } from "../../src/namespace/errors.js";
import { defineTrigger } from "../../src/namespace/TriggerDefinition.js";
import type { TriggerEventRecord } from "../../src/trigger/TriggerStore.js";
import { type Gate, gate, Harness, MINUTE, T0, thrown, until } from "./harness.js";

let harnesses: Harness[] = [];
const harness = () => {
  const h = new Harness({ provenance: true });
  harnesses.push(h);
  return h;
};
afterEach(async () => {
  const open = harnesses;
  harnesses = [];
  for (const h of open) await h.close();
});

/** A trigger's ledger, oldest first. */
const ledger = async (h: Harness, name: string): Promise<TriggerEventRecord[]> =>
  [...(await h.store.getEvents(name, { limit: 1_000 }))].reverse();
/** A trigger's ledger by tick: [minutes after T0, status]. */
const byTick = async (h: Harness, name: string) =>
  (await ledger(h, name))
    .map((e) => [((e.scheduledAt?.getTime() ?? 0) - T0) / MINUTE, e.status] as const)
    .sort((a, b) => a[0] - b[0]);

/**
 * A one-node DAG that waits on a gate per run, and (unless `ignoreAbort`) ends as soon
 * as its AbortSignal fires; `inputs` are the payloads in start order.
 */
function gatedDag(h: Harness, branch: string, options: { ignoreAbort?: boolean } = {}) {
  const gates: Gate[] = [];
  const inputs: unknown[] = [];
  let running = 0;
  const stats = { maxConcurrent: 0 };
  const nsref = h.dag(branch, async (input: unknown, ctx) => {
    const g = gate();
    gates.push(g);
    inputs.push(input);
    running += 1;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, running);
    try {
      await new Promise<void>((resolve, reject) => {
        void g.promise.then(resolve);
        if (options.ignoreAbort) return;
        ctx.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
      });
    } finally {
      running -= 1;
    }
    return inputs.length;
  });
  return { nsref, gates, inputs, stats };
}

/** A manager with trigger `name` activated, started. */
async function started(h: Harness, name: string) {
  const manager = h.manager();
  await manager.activate(name);
  await manager.start();
  return manager;
}

/** Stops with grace 0 (runs in flight are interrupted, resumed by the next start). */
async function stopNow(h: Harness, manager: ReturnType<Harness["manager"]>) {
  const stopped = manager.stop({ graceMs: 0 });
  await h.testClock.advance(0);
  await stopped;
}

/** Advances the clock a minute at a time, `n` times, letting each tick be handled. */
async function minutes(h: Harness, n: number, settled: () => boolean, what: string) {
  for (let i = 0; i < n; i++) await h.testClock.advance(MINUTE);
  await until(settled, what);
}

describe('overlap "bufferAll"', () => {
  it("keeps every tick that comes while firing and fires them in order, one at a time", async () => {
    const h = harness();
    const { nsref, gates, stats } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "bufferAll", catchUp: "all" });
    const manager = await started(h, "t");
    await minutes(h, 1, () => gates.length === 1, "the first run");
    await minutes(h, 3, () => h.count("buffered") === 3, "three buffered ticks");
    expect(await byTick(h, "t")).toEqual([
      [1, "running"],
      [2, "buffered"],
      [3, "buffered"],
      [4, "buffered"],
    ]);
    expect((await manager.inspect())[0]?.pending.map((f) => f.scheduledAt)).toEqual([
      new Date(T0 + 2 * MINUTE),
      new Date(T0 + 3 * MINUTE),
      new Date(T0 + 4 * MINUTE),
    ]);
    // Each end starts the oldest kept tick.
    for (let k = 0; k < 4; k++) {
      gates[k]?.open();
      await h.reportedAtLeast(k + 1, "finished");
      if (k < 3) await until(() => gates.length === k + 2, `run ${k + 2}`);
    }
    expect(stats.maxConcurrent).toBe(1);
    expect(await byTick(h, "t")).toEqual([
      [1, "completed"],
      [2, "completed"],
      [3, "completed"],
      [4, "completed"],
    ]);
    const buffered = (await explain(h.store, "t")).filter((d) => d.kind === "buffered");
    expect(buffered.map((d) => d.reason)).toEqual([
      expect.stringMatching(/kept to fire when run .* ends \(overlap: bufferAll\)/),
      expect.stringMatching(/kept to fire after the 1 buffered before it \(overlap: bufferAll\)/),
      expect.stringMatching(/kept to fire after the 2 buffered before it \(overlap: bufferAll\)/),
    ]);
    const fired = h.reported("fired", "t").map((e) => e.scheduledAt?.getTime());
    expect(fired).toEqual([1, 2, 3, 4].map((k) => T0 + k * MINUTE));
    expect(manager.states()).toEqual({ t: "active" });
    expect(h.errors).toEqual([]);
  });

  it("keeps its queue across a restart: the run in flight resumes, the kept ticks fire after it", async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "bufferAll", catchUp: "skip" });
    const first = await started(h, "t");
    await minutes(h, 1, () => gates.length === 1, "the first run");
    await minutes(h, 2, () => h.count("buffered") === 2, "two buffered ticks");
    // Stopped with grace 0: the run is interrupted, the kept ticks stay kept.
    await stopNow(h, first);
    expect(await byTick(h, "t")).toEqual([
      [1, "interrupted"],
      [2, "buffered"],
      [3, "buffered"],
    ]);

    const before = h.count("finished");
    const second = h.manager();
    await second.start();
    await until(() => gates.length === 2, "the resumed run");
    for (let k = 1; k < 4; k++) {
      gates[k]?.open();
      if (k < 3) await until(() => gates.length === k + 2, `run ${k + 2}`);
    }
    await h.reportedAtLeast(before + 3, "finished");
    expect(await byTick(h, "t")).toEqual([
      [1, "completed"],
      [2, "completed"],
      [3, "completed"],
    ]);
    expect(h.errors).toEqual([]);
  });
});

describe('overlap "cancelOther"', () => {
  it("interrupts the run in flight (recorded cancelled), then starts the new tick", async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "cancelOther" });
    const manager = await started(h, "t");
    await minutes(h, 1, () => gates.length === 1, "the first run");
    await minutes(h, 1, () => gates.length === 2, "the second run, after the first was cancelled");
    expect(await byTick(h, "t")).toEqual([
      [1, "cancelled"],
      [2, "running"],
    ]);
    const [cancelled] = await ledger(h, "t");
    expect(h.reported("cancelling", "t").map((e) => e.runId)).toEqual([cancelled?.runId]);
    expect(h.reported("finished", "t")[0]).toMatchObject({
      runId: cancelled?.runId,
      status: "cancelled",
    });
    // The run's history says how it ended: interrupted (it can be restarted by hand).
    const run = await h.provenance?.getRun(cancelled?.runId as string);
    expect(run?.status).toBe("interrupted");

    gates[1]?.open();
    await h.reportedAtLeast(2, "finished");
    expect(await byTick(h, "t")).toEqual([
      [1, "cancelled"],
      [2, "completed"],
    ]);
    expect(manager.states()).toEqual({ t: "active" });
    // explain says why, from the journal.
    const reasons = (await explain(h.store, "t")).map((d) => `${d.kind}: ${d.reason}`);
    expect(reasons.filter((r) => r.startsWith("cancelled"))).toEqual([
      expect.stringMatching(/its run was interrupted by a newer fire \(overlap: cancelOther\)/),
    ]);
    expect(reasons.some((r) => /cancels run .* and fires when it has ended/.test(r))).toBe(true);
    expect(h.errors).toEqual([]);
  });

  it("each new tick cancels the run before it; only the newest runs", async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "cancelOther" });
    await started(h, "t");
    await minutes(h, 1, () => gates.length === 1, "the first run");
    await minutes(h, 1, () => gates.length === 2, "the second run");
    await minutes(h, 1, () => gates.length === 3, "the third run");
    expect(await byTick(h, "t")).toEqual([
      [1, "cancelled"],
      [2, "cancelled"],
      [3, "running"],
    ]);
    gates[2]?.open();
    await h.reportedAtLeast(3, "finished");
    expect((await byTick(h, "t"))[2]).toEqual([3, "completed"]);
    expect(h.errors).toEqual([]);
  });

  it("a run being cancelled when the process died is not resumed: the next start ends it cancelled and fires the waiting tick", async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "cancelOther", catchUp: "skip" });
    const first = await started(h, "t");
    await minutes(h, 1, () => gates.length === 1, "the first run");
    await stopNow(h, first);
    // What the commit of tick 2 (cancelling run 1) leaves when the process dies before
    // run 1 has ended: the machine's next snapshot and tick 2's `buffered` row.
    const [row] = await ledger(h, "t");
    const fileOf = path.join(h.dir, "triggers.db");
    const db = new Database(fileOf);
    const stored = db
      .prepare("SELECT snapshot_json FROM trigger_activations WHERE name = 't'")
      .get() as { snapshot_json: string };
    const snapshot = triggerMachine.resolveState(JSON.parse(stored.snapshot_json));
    const tick2 = {
      type: "TICK",
      scheduledAt: T0 + 2 * MINUTE,
      runId: "run-2",
      eventId: "event-2",
      payload: {},
    } as const;
    const [next, actions] = transition(triggerMachine, snapshot, tick2);
    expect(actions.map((a) => a.type)).toEqual(["cancelRun", "bufferTick"]);
    db.prepare("UPDATE trigger_activations SET snapshot_json = ? WHERE name = 't'").run(
      JSON.stringify(triggerMachine.getPersistedSnapshot(next)),
    );
    db.prepare(
      "INSERT INTO trigger_events (event_id, trigger_name, fired_at, scheduled_at, run_id, payload_json, status) VALUES ('event-2', 't', ?, ?, 'run-2', '{}', 'buffered')",
    ).run(new Date(T0 + 2 * MINUTE).toISOString(), new Date(T0 + 2 * MINUTE).toISOString());
    db.close();

    const before = h.count("finished");
    const second = h.manager();
    await second.start();
    await until(() => gates.length === 2, "the waiting tick's run");
    // Run 1 did not run again: its history is ended, its ledger row says cancelled.
    expect(await byTick(h, "t")).toEqual([
      [1, "cancelled"],
      [2, "running"],
    ]);
    expect((await h.provenance?.getRun(row?.runId as string))?.status).toBe("interrupted");
    gates[1]?.open();
    await h.reportedAtLeast(before + 2, "finished");
    expect((await byTick(h, "t"))[1]).toEqual([2, "completed"]);
    expect(h.errors).toEqual([]);
  });

  it("a push while a push runs: the first fire() resolves interrupted, the second runs", async () => {
    const h = harness();
    const { nsref, gates } = gatedDag(h, "slow");
    h.ns.registerTrigger({
      name: "p",
      dagNsref: nsref,
      triggerType: "push",
      overlap: "cancelOther",
    });
    const manager = h.manager();
    await manager.activate("p");
    const first = manager.fire("p", { n: 1 });
    await until(() => gates.length === 1, "the first run");
    const second = manager.fire("p", { n: 2 });
    await until(() => gates.length === 2, "the second run");
    expect((await first).status).toBe("interrupted");
    gates[1]?.open();
    expect((await second).status).toBe("completed");
    expect((await ledger(h, "p")).map((e) => e.status)).toEqual(["cancelled", "completed"]);
  });
});

describe('overlap "allowAll"', () => {
  it("runs ticks in parallel up to maxConcurrent; a tick beyond it is skipped", async () => {
    const h = harness();
    const { nsref, gates, stats } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "allowAll", maxConcurrent: 2 });
    const manager = await started(h, "t");
    await minutes(h, 2, () => gates.length === 2, "two runs at once");
    await minutes(h, 1, () => h.count("skipped_overlap") === 1, "the third tick skipped");
    expect(stats.maxConcurrent).toBe(2);
    expect(await byTick(h, "t")).toEqual([
      [1, "running"],
      [2, "running"],
      [3, "skipped_overlap"],
    ]);
    expect((await manager.inspect())[0]?.inFlight).toHaveLength(2);
    // The second ends first; its place is free for the next tick.
    gates[1]?.open();
    await h.reportedAtLeast(1, "finished");
    await minutes(h, 1, () => gates.length === 3, "the fourth tick runs");
    gates[0]?.open();
    gates[2]?.open();
    await h.reportedAtLeast(3, "finished");
    expect(await byTick(h, "t")).toEqual([
      [1, "completed"],
      [2, "completed"],
      [3, "skipped_overlap"],
      [4, "completed"],
    ]);
    expect(manager.states()).toEqual({ t: "active" });
    expect(h.errors).toEqual([]);
  });

  it("without maxConcurrent, every tick runs at once; a restart resumes each run", async () => {
    const h = harness();
    const { nsref, gates, stats } = gatedDag(h, "slow");
    h.poll("t", nsref, "* * * * *", { overlap: "allowAll", catchUp: "skip" });
    const first = await started(h, "t");
    await minutes(h, 4, () => gates.length === 4, "four runs at once");
    expect(stats.maxConcurrent).toBe(4);
    await stopNow(h, first);
    expect((await byTick(h, "t")).map(([, status]) => status)).toEqual(
      Array(4).fill("interrupted"),
    );
    const before = h.count("finished");
    const second = h.manager();
    await second.start();
    await until(() => gates.length === 8, "the four runs resumed");
    for (const g of gates.slice(4)) g.open();
    await h.reportedAtLeast(before + 4, "finished");
    expect((await byTick(h, "t")).map(([, status]) => status)).toEqual(Array(4).fill("completed"));
  });
});

describe("maxConcurrent is checked", () => {
  const spec = { name: "t", dagNsref: "a:b", triggerType: "push" } as const;
  it.each([0, -1, 1.5, Number.NaN, "2"])("refuses maxConcurrent %s", (value) => {
    const error = thrown(() =>
      defineTrigger({ ...spec, overlap: "allowAll", maxConcurrent: value as number }),
    );
    // Checked alone by the definition's field table.
    expect(error).toBeInstanceOf(InvalidTriggerOption);
    expect(error).toMatchObject({
      field: "maxConcurrent",
      value,
      accepted: "an integer of at least 1",
    });
    expect((error as Error).message).toMatch(/maxConcurrent takes an integer of at least 1/);
  });

  it("refuses maxConcurrent with another overlap policy, and keeps it with allowAll", () => {
    const error = thrown(() => defineTrigger({ ...spec, overlap: "bufferAll", maxConcurrent: 2 }));
    expect(error).toMatchObject({ _tag: "InvalidTriggerDefinition", field: "maxConcurrent" });
    expect((error as Error).message).toMatch(/only to overlap "allowAll"/);
    expect(defineTrigger({ ...spec, overlap: "allowAll", maxConcurrent: 3 }).maxConcurrent).toBe(3);
    expect(defineTrigger({ ...spec, overlap: "allowAll" }).maxConcurrent).toBeUndefined();
  });
});

describe("a trigger database written by machine version 1", () => {
  interface Fixture {
    readonly activations: readonly {
      name: string;
      state: string;
      machine_version: number;
      snapshot_json: string;
    }[];
    readonly events: readonly Record<string, string | null>[];
  }
  const fixture = JSON.parse(
    readFileSync(path.join(import.meta.dirname, "fixtures", "machineV1.json"), "utf8"),
  ) as Fixture;

  it("is restored: the run in flight resumes, the buffered fire runs after it, the snapshot is rewritten at version 2", async () => {
    const h = harness();
    const { nsref, gates, inputs } = gatedDag(h, "v1");
    h.ns.registerTrigger({
      name: "orders",
      dagNsref: nsref,
      triggerType: "push",
      overlap: "bufferOne",
    });
    h.ns.registerTrigger({ name: "idle", dagNsref: nsref, triggerType: "push" });
    const setup = h.manager();
    await setup.activate("orders");
    await setup.activate("idle");
    // The rows as machine version 1 left them when its process was killed.
    const db = new Database(path.join(h.dir, "triggers.db"));
    for (const a of fixture.activations) {
      db.prepare(
        "UPDATE trigger_activations SET state = ?, machine_version = ?, snapshot_json = ? WHERE name = ?",
      ).run(a.state, a.machine_version, a.snapshot_json, a.name);
    }
    for (const e of fixture.events) {
      db.prepare(
        "INSERT INTO trigger_events (event_id, trigger_name, fired_at, scheduled_at, run_id, payload_json, status) VALUES (@event_id, @trigger_name, @fired_at, @scheduled_at, @run_id, @payload_json, @status)",
      ).run(e);
    }
    db.close();

    const manager = h.manager();
    await manager.start();
    expect(h.errors).toEqual([]);
    expect(manager.states()).toEqual({ idle: "active", orders: "firing" });
    const [idle, orders] = await manager.inspect();
    expect(idle?.inFlight).toEqual([]);
    expect(orders?.inFlight.map((f) => f.payload)).toEqual([{ n: 1 }]);
    expect(orders?.pending.map((f) => f.payload)).toEqual([{ n: 2 }]);
    // The run in flight had written no history yet: it runs now, with its own payload.
    await until(() => gates.length === 1, "the resumed run");
    gates[0]?.open();
    await until(() => gates.length === 2, "the buffered fire's run");
    gates[1]?.open();
    await h.reportedAtLeast(2, "finished");
    expect(inputs).toEqual([{ n: 1 }, { n: 2 }]);
    const rows = (await ledger(h, "orders")).map((e) => [e.eventId, e.status]);
    expect(rows.sort()).toEqual(fixture.events.map((e) => [e.event_id, "completed"]).sort());
    const stored = await h.store.getActivation("orders");
    expect(stored).toBeDefined();
    const check = new Database(path.join(h.dir, "triggers.db"), { readonly: true });
    const row = check
      .prepare("SELECT machine_version FROM trigger_activations WHERE name = 'orders'")
      .get() as { machine_version: number };
    check.close();
    expect(row.machine_version).toBe(TRIGGER_MACHINE_VERSION);
    expect(h.errors).toEqual([]);
  });
});
