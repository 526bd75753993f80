/**
 * Issue 17, item 1: poll cursors. `ctx.cursor` is the last committed cursor; a poll
 * returns `{ payload, cursor }` to fire and move it, `{ skip: true, cursor }` to move it
 * without firing, or null to keep it. The cursor is written in the fire's own commit
 * (or the poll_empty row's), so it moves only when that commit lands.
 */
import { afterEach, describe, expect, it } from "vitest";
import { replayHistory } from "../../src/inspect/replayHistory.js";
import type { PollContext, PollResult } from "../../src/namespace/TriggerDefinition.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { CursorInvalid } from "../../src/supervisor/errors.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { gate, Harness, MINUTE, rejection, T0, until } from "./harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** A poll trigger "t" every minute answering from `answers`, recording what it saw. */
function scripted(harness: Harness, answers: PollResult[]) {
  const seen: unknown[] = [];
  const payloads: unknown[] = [];
  const nsref = harness.dag("t", (input: unknown) => {
    payloads.push(input);
    return 1;
  });
  harness.poll("t", nsref, "* * * * *", {
    pollFn: (ctx: PollContext) => {
      seen.push(ctx.cursor);
      return answers.shift() ?? null;
    },
  });
  return { seen, payloads };
}

/** Advances a minute and waits until `n` ledger rows exist, none running. */
async function tickTo(store: TriggerStore, clock: TestClock, n: number) {
  await clock.advance(MINUTE);
  await until(async () => {
    const rows = await store.getEvents("t", { limit: 100 });
    return rows.length >= n && rows.every((r) => r.status !== "running");
  }, `${n} settled rows`);
}

/** The scenario both databases run: fire, null, skip, fire; then a restart. */
async function scenario(store: TriggerStore, clock: TestClock) {
  const { seen, payloads } = scripted(h, [
    { payload: { n: 1 }, cursor: 1 },
    null,
    { skip: true, cursor: 5 },
    { payload: { n: 2 }, cursor: { at: "x" } },
    null,
  ]);
  const first = new TriggerManager({ namespace: h.ns, store, clock, onError: () => {} });
  await first.activate("t");
  await first.start();
  await tickTo(store, clock, 1);
  expect((await store.getActivation("t"))?.cursor).toBe(1);
  await tickTo(store, clock, 2);
  expect((await store.getActivation("t"))?.cursor).toBe(1);
  await tickTo(store, clock, 3);
  expect((await store.getActivation("t"))?.cursor).toBe(5);
  await tickTo(store, clock, 4);
  expect(seen).toEqual([undefined, 1, 1, 5]);
  expect(payloads).toEqual([{ n: 1 }, { n: 2 }]);
  const statuses = (await store.getEvents("t", { limit: 10 })).map((e) => e.status).reverse();
  expect(statuses).toEqual(["completed", "poll_empty", "poll_empty", "completed"]);
  const [seenByInspect] = await first.inspect();
  expect(seenByInspect?.cursor).toEqual({ at: "x" });
  expect(await first.cursor("t")).toEqual({ at: "x" });
  const stopping = first.stop({ graceMs: 0 });
  await clock.advance(0);
  await stopping;
  // A restart polls from the committed cursor.
  const second = new TriggerManager({ namespace: h.ns, store, clock, onError: () => {} });
  await second.start();
  try {
    await tickTo(store, clock, 5);
    expect(seen.at(-1)).toEqual({ at: "x" });
  } finally {
    const again = second.stop({ graceMs: 0 });
    await clock.advance(0);
    await again;
  }
}

describe("the poll cursor (SQLite)", () => {
  it("advances on committed fires, moves on skip, stays on null, and survives a restart", async () => {
    h = new Harness();
    await scenario(h.store, h.testClock);
  });

  it("a failed commit does not advance it: the retried poll sees the old cursor", async () => {
    h = new Harness();
    const { seen } = scripted(h, [
      { payload: { n: 1 }, cursor: 1 },
      { payload: { n: 1 }, cursor: 1 },
      { payload: { n: 2 }, cursor: 2 },
    ]);
    let failing = false;
    const manager = h.manager({
      faults: (step, at) => {
        if (failing && step === "commit:inside" && at.triggers.includes("t")) {
          throw new Error("disk full (injected)");
        }
      },
    });
    await manager.activate("t");
    await manager.start();
    failing = true;
    await h.testClock.advance(MINUTE);
    await until(() => seen.length === 1 && h.errors.length > 0, "the failed commit");
    expect(await h.store.getEvents("t")).toEqual([]);
    expect((await h.store.getActivation("t"))?.cursor).toBeUndefined();
    failing = false;
    await tickTo(h.store, h.testClock, 1);
    expect(seen.slice(0, 2)).toEqual([undefined, undefined]);
    expect((await h.store.getActivation("t"))?.cursor).toBe(1);
  });

  it("a tick the overlap policy skips (a run still in flight) leaves the cursor", async () => {
    h = new Harness();
    const slow = gate();
    const seen: unknown[] = [];
    const nsref = h.dag("slow", () => slow.promise);
    h.poll("t", nsref, "* * * * *", {
      pollFn: (ctx) => {
        seen.push(ctx.cursor);
        const n = (ctx.cursor as number | undefined) ?? 0;
        return { payload: { n }, cursor: n + 1 };
      },
    });
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await h.testClock.advance(MINUTE);
    await until(async () => (await h.store.getEvents("t")).length === 1, "the first fire");
    await h.testClock.advance(MINUTE);
    await until(async () => (await h.store.getEvents("t")).length === 2, "the skipped tick");
    const statuses = (await h.store.getEvents("t")).map((e) => e.status);
    expect(statuses).toEqual(["skipped_overlap", "running"]);
    expect((await h.store.getActivation("t"))?.cursor).toBe(1);
    slow.open();
    await h.reportedAtLeast(1, "finished", "t");
    await h.testClock.advance(MINUTE);
    await until(async () => (await h.store.getEvents("t")).length === 3, "the next fire");
    expect((await h.store.getEvents("t"))[0]?.payload).toEqual({ n: 1 });
    expect(seen.at(-1)).toBe(1);
  });

  it("a cursor JSON cannot carry (a BigInt) is poll_failed, and the cursor stays", async () => {
    h = new Harness();
    scripted(h, [{ payload: { n: 1 }, cursor: 10n }]);
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await tickTo(h.store, h.testClock, 1);
    const [row] = await h.store.getEvents("t");
    expect(row?.status).toBe("poll_failed");
    expect(row?.error).toMatch(/cursor .*BigInt/);
    expect((await h.store.getActivation("t"))?.cursor).toBeUndefined();
  });

  it("an object with other keys besides payload and cursor is a payload, as before", async () => {
    h = new Harness();
    const { payloads } = scripted(h, [
      { payload: 1, cursor: 2, other: 3 },
      { skip: false, cursor: 4 },
    ]);
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await tickTo(h.store, h.testClock, 1);
    await tickTo(h.store, h.testClock, 2);
    expect(payloads).toEqual([
      { payload: 1, cursor: 2, other: 3 },
      { skip: false, cursor: 4 },
    ]);
    expect((await h.store.getActivation("t"))?.cursor).toBeUndefined();
  });

  it("setCursor resets it (journaled) and the next poll sees it; a BigInt is CursorInvalid", async () => {
    h = new Harness();
    const { seen } = scripted(h, [{ payload: { n: 1 }, cursor: 1 }, null]);
    const manager = h.manager();
    await manager.activate("t");
    await manager.start();
    await tickTo(h.store, h.testClock, 1);
    await manager.setCursor("t", { since: 0 }, { by: "alice", note: "replay" });
    expect(await manager.cursor("t")).toEqual({ since: 0 });
    const journal = await h.store.getJournal("t");
    expect(journal.at(-1)?.event).toEqual({
      type: "CURSOR_SET",
      cursor: { since: 0 },
      by: "alice",
      note: "replay",
    });
    await tickTo(h.store, h.testClock, 2);
    expect(seen).toEqual([undefined, { since: 0 }]);
    // The machine ignores CURSOR_SET: the journal still replays to the stored snapshot.
    expect((await replayHistory(h.store, "t")).matchesSnapshot).toBe(true);
    const error = await rejection(manager.setCursor("t", 10n));
    expect(error).toBeInstanceOf(CursorInvalid);
    expect((error as CursorInvalid).message).toMatch(/BigInt/);
    expect(await manager.cursor("t")).toEqual({ since: 0 });
  });
});

describePg("the poll cursor on PostgreSQL (a fresh schema)", () => {
  it("advances on committed fires, moves on skip, stays on null, and survives a restart", async () => {
    h = new Harness();
    const scratch = await freshSchema();
    const store = new TriggerStore(scratch.url, { schema: scratch.schema });
    try {
      await scenario(store, new TestClock(T0));
    } finally {
      await store.close();
      await scratch.drop();
    }
  });
});
