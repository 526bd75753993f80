import { describe, expect, it } from "vitest";
import { HistoryPruned } from "../../src/inspect/errors.js";
import { explain } from "../../src/inspect/explain.js";
import { replayHistory } from "../../src/inspect/replayHistory.js";
import { InvalidRetention } from "../../src/retention/errors.js";
import { pruneHistory } from "../../src/retention/pruneHistory.js";
import { LeaseLost } from "../../src/trigger/LeaseLost.js";
import {
  gate,
  type Harness,
  harnessPerTest,
  MINUTE,
  rejection,
  T0,
} from "../supervisor/harness.js";

const harness = harnessPerTest();

/** `t` fires every minute (quick runs); `slow` fires once and its run stays in flight. */
async function history(h: Harness, minutes: number, retention: object | false = false) {
  const held = gate();
  h.poll(
    "t",
    h.dag("quick", () => 1),
    "* * * * *",
  );
  h.poll(
    "slow",
    h.dag("slow", () => held.promise.then(() => 2)),
    "* * * * *",
  );
  const m = h.manager({ retention: retention as false });
  await m.start();
  await m.activate("t");
  await m.activate("slow");
  for (let i = 1; i <= minutes; i++) await h.advanceAndFinish(MINUTE, i, "t");
  return { m, held };
}

describe("retention: pruning by age", () => {
  it("prunes each kind by its own age and never a run in flight, its row, or the newest rows", async () => {
    const h = harness({ provenance: true });
    const { m } = await history(h, 30);
    const provenance = h.provenance as NonNullable<typeof h.provenance>;
    const runsBefore = (await provenance.getRecentRuns({ limit: 1000 })).length;
    const journalBefore = await h.store.getJournal("t");
    const now = h.clock.now();

    const dry = await m.prune({ olderThan: "10m", dryRun: true });
    expect(await h.store.getEvents("t", { limit: 1000 })).toHaveLength(30); // counted only
    const done = await m.prune({ olderThan: "10m" });
    expect(done).toMatchObject({
      dryRun: false,
      events: dry.events,
      journal: dry.journal,
      runs: dry.runs,
    });
    expect(done.events).toBeGreaterThan(0);
    expect(done.journal).toBeGreaterThan(0);

    const left = await h.store.getEvents("t", { limit: 1000 });
    expect(left.every((e) => e.firedAt.getTime() >= now - 10 * MINUTE)).toBe(true);
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(30);
    // `slow`: its one run is still in flight since T0 + 1 min; its row stays, and so do
    // the newest skipped rows of each trigger.
    const slow = await h.store.getEvents("slow", { limit: 1000 });
    expect(slow.filter((e) => e.status === "running")).toHaveLength(1);
    expect(slow[0]?.firedAt.getTime()).toBe(now);
    // Runs are timed by the runner's own (real) clock, not the TestClock: pruned here
    // with a cut-off just past the real now, every finished run but the kept ones goes.
    const lastRunId = (await h.store.getActivation("t"))?.lastRunId as string;
    const prunable = await provenance.countPrunableRuns(Date.now() + 1000, [lastRunId]);
    expect(await provenance.pruneRuns(Date.now() + 1000, 7, [lastRunId])).toBe(7);
    expect(await provenance.pruneRuns(Date.now() + 1000, 500, [lastRunId])).toBe(prunable - 7);
    const runs = await provenance.getRecentRuns({ limit: 1000 });
    expect(runs.length).toBe(runsBefore - prunable);
    expect(runs).toHaveLength(2);
    expect(runs.some((r) => r.status === "running")).toBe(true);
    expect(runs.some((r) => r.runId === lastRunId)).toBe(true);

    // Journal compaction: the checkpoint replays to the stored snapshot.
    const journalAfter = await h.store.getJournal("t");
    expect(journalAfter.length).toBe(
      journalBefore.length - (await countPruned(h, "t", journalBefore)),
    );
    const report = await replayHistory(h.store, "t");
    expect(report.checkpoint?.seq).toBe(done.checkpoints.find((c) => c.trigger === "t")?.seq);
    expect(report.matchesSnapshot, report.differences.join("; ")).toBe(true);
    expect(report.events.map((s) => s.seq)).toEqual(journalAfter.map((e) => e.seq));
    expect((await replayHistory(h.store, "slow")).matchesSnapshot).toBe(true);
    const tooEarly = await rejection(
      replayHistory(h.store, "t", { until: journalBefore[0]?.seq ?? 1 }),
    );
    expect(tooEarly).toBeInstanceOf(HistoryPruned);

    // explain says where history was pruned, first.
    const decisions = await explain(h.store, "t");
    expect(decisions[0]?.kind).toBe("pruned");
    expect(decisions[0]?.reason).toMatch(/journal pruned by retention .* checkpoint at seq \d+/);
    expect(h.errors).toEqual([]);
  });

  it("uses the retention option's age per kind; false keeps that kind", async () => {
    const h = harness({ provenance: true });
    const { m } = await history(h, 20, { events: "15m", journal: "5m", runs: false });
    const now = h.clock.now();
    const report = await m.prune();
    expect(report.runs).toBe(0);
    const left = await h.store.getEvents("t", { limit: 1000 });
    expect(Math.min(...left.map((e) => e.firedAt.getTime()))).toBeGreaterThanOrEqual(
      now - 15 * MINUTE,
    );
    expect(left.length).toBeGreaterThan(10);
    const journal = await h.store.getJournal("t");
    expect(journal.every((e) => e.at.getTime() >= now - 5 * MINUTE)).toBe(true);
    expect((await replayHistory(h.store, "t")).matchesSnapshot).toBe(true);
    // Ledger rows kept longer than the journal still explain themselves around the cut.
    const decisions = await explain(h.store, "t");
    expect(decisions.filter((d) => d.kind === "pruned")).toHaveLength(1);
    expect(decisions.filter((d) => d.kind === "fired").length).toBe(left.length);
  });

  it("refuses a retention or olderThan that is not a duration, with a typed error", async () => {
    const h = harness();
    expect(() => h.manager({ retention: { events: "a month" } })).toThrow(InvalidRetention);
    expect(() => h.manager({ retention: { batchSize: 0 } })).toThrow(
      /batchSize 0 is not a whole number/,
    );
    const error = await rejection(h.manager().prune({ olderThan: "soon" }));
    expect(error).toBeInstanceOf(InvalidRetention);
    expect((error as Error).message).toMatch(/"soon" is not a duration/);
  });

  it("is fenced: a prune under a lease this process no longer holds deletes nothing", async () => {
    const h = harness();
    await history(h, 5);
    const before = await h.store.getEvents("t", { limit: 100 });
    const stale = { kind: "database", owner: "someone-else", epoch: 99 } as const;
    const error = await rejection(
      pruneHistory(
        { store: h.store, history: undefined, fenceFor: () => stale, runsFence: () => stale },
        { events: h.clock.now(), journal: h.clock.now() },
        { batchSize: 500, now: h.clock.now() },
      ),
    );
    expect(error).toBeInstanceOf(LeaseLost);
    expect(await h.store.getEvents("t", { limit: 100 })).toHaveLength(before.length);
  });
  it("a standby prunes nothing: only the lease holder deletes rows", async () => {
    const h = harness();
    await history(h, 5);
    const standby = h.manager({ retention: false });
    await standby.start();
    expect(standby.status().role).toBe("standby");
    const report = await standby.prune({ olderThan: "1m" });
    expect(report).toMatchObject({ events: 0, journal: 0, runs: 0 });
    expect(await h.store.getEvents("t", { limit: 100 })).toHaveLength(5);
  });
});

describe("retention: the background pruner", () => {
  it("prunes in small batches while ticks fire: no tick lost or doubled", async () => {
    const h = harness({ provenance: true });
    h.poll(
      "t",
      h.dag("quick", () => 1),
      "* * * * *",
    );
    const m = h.manager({
      retention: { events: "5m", journal: "5m", runs: "5m", everyMs: 2 * MINUTE, batchSize: 2 },
    });
    await m.start();
    await m.activate("t");
    for (let i = 1; i <= 30; i++) await h.advanceAndFinish(MINUTE, i, "t");
    const fired = h.reported("fired", "t").map((e) => e.scheduledAt?.getTime());
    expect(fired).toEqual(Array.from({ length: 30 }, (_, i) => T0 + (i + 1) * MINUTE));
    const left = await h.store.getEvents("t", { limit: 1000 });
    expect(left.length).toBeLessThan(30);
    expect(left[0]?.scheduledAt?.getTime()).toBe(T0 + 30 * MINUTE);
    expect((await replayHistory(h.store, "t")).matchesSnapshot).toBe(true);
    expect(h.errors).toEqual([]);
  });
});

/** How many of `before`'s journal entries are gone now. */
async function countPruned(h: Harness, name: string, before: readonly { seq: number }[]) {
  const now = new Set((await h.store.getJournal(name)).map((e) => e.seq));
  return before.filter((e) => !now.has(e.seq)).length;
}
