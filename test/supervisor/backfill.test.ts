/**
 * Issue 16, item 2: backfill. `manager.backfill(name, { from, to })` fires every tick of
 * the trigger's schedule in `[from, to)` once, in order, with `kind: "backfill"` and its
 * own `scheduledAt`; ticks on record are left unless `refire`; live ticks go first; it
 * can be cancelled and is resumed after a restart. All on a TestClock.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { FireContext, NodeContext } from "../../src/dag/NodeContext.js";
import { explain } from "../../src/inspect/explain.js";
import { TriggerNotFound } from "../../src/namespace/errors.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import {
  BackfillInvalid,
  BackfillNeedsSchedule,
  BackfillNotFound,
} from "../../src/supervisor/backfillErrors.js";
import { TriggerNotActive } from "../../src/supervisor/errors.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { type Gate, gate, Harness, HOUR, MINUTE, rejection, T0, until } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** A one-node DAG recording each run's `ctx.fire`; runs wait on `gates[i]` when given. */
function recording(harness: Harness, branch: string, gates: Gate[] = []) {
  const seen: FireContext[] = [];
  const nsref = harness.dag(branch, async (_: unknown, ctx: NodeContext) => {
    const index = seen.length;
    if (ctx.fire !== undefined) seen.push(ctx.fire);
    await gates[index]?.promise;
    return ctx.fire?.scheduledAt?.toISOString() ?? null;
  });
  return { nsref, seen };
}

const hours = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * HOUR);
const iso = (ms: number) => new Date(ms).toISOString();

describe("backfill", () => {
  it("fires every tick of [from, to) once, in order, kind backfill, each with its scheduledAt", async () => {
    h = new Harness();
    const { nsref, seen } = recording(h, "hourly");
    h.poll("t", nsref, "0 * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    const handle = await manager.backfill("t", { from: iso(T0 - 24 * HOUR), to: new Date(T0) });
    expect(handle.record).toMatchObject({
      id: handle.id,
      triggerName: "t",
      from: new Date(T0 - 24 * HOUR),
      to: new Date(T0),
      status: "running",
      refire: false,
      overlap: 1,
    });
    const final = await handle.done;
    expect(final).toMatchObject({ status: "completed", fired: 24, skipped: 0 });
    expect(final.position).toEqual(new Date(T0 - HOUR));
    expect(seen.map((f) => f.scheduledAt?.getTime())).toEqual(hours(T0 - 24 * HOUR, 24));
    expect(new Set(seen.map((f) => f.kind))).toEqual(new Set(["backfill"]));
    const rows = [...(await h.store.getEvents("t", { limit: 100 }))].reverse();
    expect(rows.map((r) => [r.kind, r.status, r.backfillId])).toEqual(
      Array(24).fill(["backfill", "completed", handle.id]),
    );
    expect(rows.map((r) => r.scheduledAt?.getTime())).toEqual(hours(T0 - 24 * HOUR, 24));
    expect(rows.map((r) => r.eventId)).toEqual(seen.map((f) => f.eventId));
    // The live schedule did not move: its next tick is still T0 + 1 h, fired as a tick.
    expect(manager.nextFireAt("t")).toEqual(new Date(T0 + HOUR));
    await h.advanceAndFinish(HOUR, 25);
    expect(seen.at(-1)).toMatchObject({ kind: "tick", scheduledAt: new Date(T0 + HOUR) });
    expect(await manager.backfills("t")).toEqual([final]);
    expect(h.errors).toEqual([]);
  });

  it("leaves ticks on record (any row) unless refire: true, which fires them once more", async () => {
    h = new Harness();
    const { nsref, seen } = recording(h, "onrecord");
    h.poll("t", nsref, "0 * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.advanceAndFinish(HOUR, 1);
    await h.advanceAndFinish(HOUR, 2); // live ticks T0+1h and T0+2h are on record
    await h.testClock.advance(MINUTE);
    const range = { from: T0, to: T0 + 2 * HOUR + MINUTE };
    const plain = await (await manager.backfill("t", range)).done;
    // T0 (the activation instant: never fired live) is fired; the two on record are not.
    expect(plain).toMatchObject({ status: "completed", fired: 1, skipped: 2 });
    expect(seen.slice(2).map((f) => [f.kind, f.scheduledAt?.getTime()])).toEqual([
      ["backfill", T0],
    ]);
    // Once more: now every tick is on record.
    expect(await (await manager.backfill("t", range)).done).toMatchObject({ fired: 0, skipped: 3 });
    const again = await (await manager.backfill("t", { ...range, refire: true })).done;
    expect(again).toMatchObject({ status: "completed", fired: 3, skipped: 0, refire: true });
    expect(seen.slice(3).map((f) => [f.kind, f.scheduledAt?.getTime()])).toEqual(
      hours(T0, 3).map((at) => ["backfill", at]),
    );
    const rows = await h.store.getEvents("t", { limit: 100 });
    const at = (ms: number) => rows.filter((r) => r.scheduledAt?.getTime() === ms);
    expect(
      at(T0 + HOUR)
        .map((r) => r.kind)
        .sort(),
    ).toEqual(["backfill", "tick"]);
    expect(at(T0).map((r) => r.backfillId)).toEqual([again.id, plain.id]);
    expect(h.errors).toEqual([]);
  });

  it("live ticks keep their time: allowAll runs them beside a slow backfill run", async () => {
    h = new Harness();
    const slow = gate();
    const { nsref, seen } = recording(h, "beside", [slow]);
    h.poll("t", nsref, "*/10 * * * *", { overlap: "allowAll" });
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    const handle = await manager.backfill("t", { from: T0 - HOUR, to: T0 });
    await until(() => seen.length === 1, "the first backfill run");
    // The backfill run hangs; live ticks fire on time beside it; no second backfill run
    // starts meanwhile (overlap 1: one backfill run at a time).
    await h.advanceAndFinish(10 * MINUTE, 1);
    await h.advanceAndFinish(10 * MINUTE, 2);
    expect(seen.map((f) => f.kind)).toEqual(["backfill", "tick", "tick"]);
    expect(seen.slice(1).map((f) => f.firedAt.getTime() - (f.scheduledAt?.getTime() ?? 0))).toEqual(
      [0, 0],
    );
    slow.open();
    expect(await handle.done).toMatchObject({ status: "completed", fired: 6 });
    expect(seen.filter((f) => f.kind === "backfill").map((f) => f.scheduledAt?.getTime())).toEqual(
      Array.from({ length: 6 }, (_, i) => T0 - HOUR + i * 10 * MINUTE),
    );
  });

  it("overlap: 3 runs up to three backfill runs at once on an allowAll trigger", async () => {
    h = new Harness();
    const gates = [gate(), gate(), gate(), gate()];
    const { nsref, seen } = recording(h, "wide", gates);
    h.poll("t", nsref, "0 * * * *", { overlap: "allowAll" });
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    const handle = await manager.backfill("t", { from: T0 - 4 * HOUR, to: T0, overlap: 3 });
    await until(() => seen.length === 3, "three backfill runs");
    await h.testClock.advance(0);
    expect(seen).toHaveLength(3);
    gates[0]?.open();
    await until(() => seen.length === 4, "the fourth once one ended");
    for (const g of gates) g.open();
    expect(await handle.done).toMatchObject({ fired: 4, overlap: 3 });
    expect(seen.map((f) => f.scheduledAt?.getTime())).toEqual(hours(T0 - 4 * HOUR, 4));
  });

  it("a bufferOne trigger: the live tick that came during a backfill run starts before the next backfill tick", async () => {
    h = new Harness();
    const slow = gate();
    const { nsref, seen } = recording(h, "buffered", [slow]);
    h.poll("t", nsref, "*/10 * * * *", { overlap: "bufferOne" });
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    const handle = await manager.backfill("t", { from: T0 - 30 * MINUTE, to: T0 });
    await until(() => seen.length === 1, "the first backfill run");
    await h.testClock.advance(10 * MINUTE); // the live tick is kept (buffered)
    await until(async () => (await h.store.getEvents("t"))[0]?.status === "buffered", "buffered");
    slow.open();
    await handle.done;
    await h.reportedAtLeast(4, "finished");
    expect(seen.map((f) => [f.kind, f.scheduledAt?.getTime()])).toEqual([
      ["backfill", T0 - 30 * MINUTE],
      ["tick", T0 + 10 * MINUTE],
      ["backfill", T0 - 20 * MINUTE],
      ["backfill", T0 - 10 * MINUTE],
    ]);
  });

  it("cancelBackfill stops it after the run in flight; done says cancelled; unknown ids are typed", async () => {
    h = new Harness();
    const slow = gate();
    const { nsref, seen } = recording(h, "cancel", [slow]);
    h.poll("t", nsref, "0 * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    const handle = await manager.backfill("t", { from: T0 - 5 * HOUR, to: T0 });
    await until(() => seen.length === 1, "the first backfill run");
    const cancelled = await manager.cancelBackfill(handle.id);
    expect(cancelled).toMatchObject({ status: "cancelled", fired: 1 });
    expect(cancelled.finishedAt).toEqual(new Date(T0));
    expect(await handle.done).toEqual(cancelled);
    slow.open();
    await h.reportedAtLeast(1, "finished");
    await h.testClock.advance(0);
    expect(seen).toHaveLength(1);
    // Cancelling again answers the same record.
    expect(await manager.cancelBackfill(handle.id)).toEqual(cancelled);
    const missing = await rejection(manager.cancelBackfill("no-such-id"));
    expect(missing).toBeInstanceOf(BackfillNotFound);
    expect((missing as Error).message).toMatch(/no-such-id/);
    // The journal holds the backfill's life.
    const journal = await h.store.getJournal("t");
    expect(
      journal.map((e) => (e.event as { type: string }).type).filter((t) => t.startsWith("BACK")),
    ).toEqual(["BACKFILL", "BACKFILL_CANCELLED"]);
  });

  it("refuses bad input with typed errors, and records nothing", async () => {
    h = new Harness();
    const { nsref } = recording(h, "bad");
    h.poll("t", nsref, "0 * * * *");
    h.ns.registerTrigger({ name: "orders", dagNsref: nsref, triggerType: "push" });
    h.ns.registerTrigger({
      name: "idle",
      dagNsref: nsref,
      triggerType: "poll",
      schedule: "0 * * * *",
    });
    const manager = h.manager();
    await manager.activate("t");
    await manager.activate("orders");
    await manager.start();
    const from = T0 - HOUR;
    const cases: [unknown, unknown][] = [
      [rejection(manager.backfill("nope", { from, to: T0 })), TriggerNotFound],
      [rejection(manager.backfill("orders", { from, to: T0 })), BackfillNeedsSchedule],
      [rejection(manager.backfill("idle", { from, to: T0 })), TriggerNotActive],
      [rejection(manager.backfill("t", { from: T0, to: T0 })), BackfillInvalid],
      [rejection(manager.backfill("t", { from: T0, to: from })), BackfillInvalid],
      [rejection(manager.backfill("t", { from: "2026-13-01T00:00:00Z", to: T0 })), BackfillInvalid],
      [rejection(manager.backfill("t", { from: "2026-01-01", to: T0 })), BackfillInvalid],
      [rejection(manager.backfill("t", { from: "yesterday", to: T0 })), BackfillInvalid],
      [rejection(manager.backfill("t", { from: Number.NaN, to: T0 })), BackfillInvalid],
      [rejection(manager.backfill("t", { from, to: T0, overlap: 0 })), BackfillInvalid],
      [rejection(manager.backfill("t", { from, to: T0, overlap: 1.5 })), BackfillInvalid],
    ];
    for (const [promise, type] of cases) {
      expect(await promise).toBeInstanceOf(type as new (...args: never[]) => unknown);
    }
    const orders = (await cases[1]?.[0]) as BackfillNeedsSchedule;
    expect(orders).toMatchObject({ name: "orders", triggerType: "push" });
    const badDate = (await cases[5]?.[0]) as BackfillInvalid;
    expect(badDate).toMatchObject({ field: "from", value: "2026-13-01T00:00:00Z" });
    expect(badDate.message).toMatch(/ISO-8601/);
    expect((await cases[3]?.[0]) as BackfillInvalid).toMatchObject({ field: "from" });
    expect((await cases[9]?.[0]) as BackfillInvalid).toMatchObject({ field: "overlap" });
    expect(await manager.backfills()).toEqual([]);
  });

  it("a range without ticks completes at once; a to past now is cut to now", async () => {
    h = new Harness();
    const { nsref, seen } = recording(h, "empty");
    h.poll("t", nsref, "0 * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    const empty = await manager.backfill("t", { from: T0 - 50 * MINUTE, to: T0 - 10 * MINUTE });
    expect(await empty.done).toMatchObject({ status: "completed", fired: 0, skipped: 0 });
    const future = await manager.backfill("t", { from: T0 - HOUR, to: T0 + 10 * HOUR });
    expect(future.record.to).toEqual(new Date(T0));
    expect(await future.done).toMatchObject({ fired: 1 });
    expect(seen.map((f) => f.scheduledAt?.getTime())).toEqual([T0 - HOUR]);
  });

  it("a backfill made before start() runs once the supervisor runs; one cut off by stop() resumes", async () => {
    h = new Harness();
    const slow = gate();
    const { nsref, seen } = recording(h, "resume", [slow]);
    h.poll("t", nsref, "0 * * * *");
    const first = h.manager();
    await first.activate("t");
    const handle = await first.backfill("t", { from: T0 - 4 * HOUR, to: T0 });
    await h.testClock.advance(0);
    expect(seen).toEqual([]); // not started: only recorded
    await first.start();
    await until(() => seen.length === 1, "the first backfill run (it hangs)");
    const stopped = first.stop({ graceMs: 0 });
    await h.testClock.advance(0);
    await stopped;
    const mid = await h.store.getBackfill(handle.id);
    expect(mid).toMatchObject({ status: "running" });
    const second = h.manager();
    await second.start();
    await until(async () => (await h.store.getBackfill(handle.id))?.status === "completed", "done");
    // The cut-off run was resumed (its node ran again, same event), then the rest fired.
    expect(seen.map((f) => f.scheduledAt?.getTime())).toEqual([
      T0 - 4 * HOUR,
      ...hours(T0 - 4 * HOUR, 4),
    ]);
    expect(seen[1]?.eventId).toBe(seen[0]?.eventId);
    const rows = [...(await h.store.getEvents("t", { limit: 100 }))].reverse();
    // Each tick has exactly one ledger row; the cut-off one was resumed, not fired again.
    expect(rows.map((r) => r.scheduledAt?.getTime())).toEqual(hours(T0 - 4 * HOUR, 4));
    expect(rows.every((r) => r.status === "completed" && r.kind === "backfill")).toBe(true);
    expect(await h.store.getBackfill(handle.id)).toMatchObject({ fired: 4, skipped: 0 });
  });
});

describe("backfill in status, explain and inspect()", () => {
  it("a running backfill is listed with its trigger; explain says what each row and entry was", async () => {
    h = new Harness();
    const slow = gate();
    const { nsref, seen } = recording(h, "seen", [slow]);
    h.poll("t", nsref, "0 * * * *");
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    const handle = await manager.backfill("t", { from: T0 - 2 * HOUR, to: T0 });
    await until(() => seen.length === 1, "the first backfill run");
    const [running] = await manager.inspect();
    expect(running?.backfills).toEqual([
      expect.objectContaining({
        id: handle.id,
        status: "running",
        fired: 1,
        position: new Date(T0 - 2 * HOUR),
      }),
    ]);
    slow.open();
    await handle.done;
    const [after] = await manager.inspect();
    expect(after?.backfills).toEqual([]);
    const decisions = await explain(h.store, "t");
    const reasons = decisions.map((d) => `${d.kind}: ${d.reason}`);
    expect(reasons).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^backfill: backfill ${handle.id} made: it fires each tick not on record in \\[2026-01-04T22:00:00Z, 2026-01-05T00:00:00Z\\), one run at a time`,
        ),
      ),
    );
    expect(
      reasons.filter(
        (r) => r.startsWith("fired: tick") && r.includes(`fired by backfill ${handle.id}`),
      ),
    ).toHaveLength(2);
    expect(reasons.at(-1)).toMatch(new RegExp(`^backfill: backfill ${handle.id} completed`));
  });
});

describePg("backfill on PostgreSQL (a fresh schema)", () => {
  it("fires the range in order, leaves ticks on record, refires them, and cancels", async () => {
    h = new Harness();
    const scratch = await freshSchema();
    const store = new TriggerStore(scratch.url, { schema: scratch.schema });
    const clock = new TestClock(T0);
    const { nsref, seen } = recording(h, "pg");
    h.poll("t", nsref, "0 * * * *");
    const manager = new TriggerManager({ namespace: h.ns, store, clock, onError: () => {} });
    try {
      await manager.start();
      await manager.activate("t");
      const handle = await manager.backfill("t", { from: T0 - 3 * HOUR, to: T0 });
      expect(await handle.done).toMatchObject({ status: "completed", fired: 3 });
      expect(seen.map((f) => [f.kind, f.scheduledAt?.getTime()])).toEqual(
        hours(T0 - 3 * HOUR, 3).map((at) => ["backfill", at]),
      );
      const plain = await (await manager.backfill("t", { from: T0 - 3 * HOUR, to: T0 })).done;
      expect(plain).toMatchObject({ fired: 0, skipped: 3 });
      const again = await manager.backfill("t", { from: T0 - 3 * HOUR, to: T0, refire: true });
      expect(await again.done).toMatchObject({ fired: 3, refire: true });
      const rows = await store.getEvents("t", { limit: 100 });
      expect(rows).toHaveLength(6);
      expect(new Set(rows.map((r) => r.backfillId))).toEqual(new Set([handle.id, again.id]));
      expect(await manager.backfills("t")).toHaveLength(3);
      expect(await rejection(manager.cancelBackfill("missing"))).toBeInstanceOf(BackfillNotFound);
    } finally {
      await manager.stop({ graceMs: 0 });
      await store.close();
    }
  });
});
