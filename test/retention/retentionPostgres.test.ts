import { afterAll, beforeAll, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { replayHistory } from "../../src/inspect/replayHistory.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { pruneHistory } from "../../src/retention/pruneHistory.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { type ManagerEvent, TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { LeaseLost } from "../../src/trigger/LeaseLost.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { describePg, freshSchema } from "../store/pgAvailable.js";
import { MINUTE, rejection, T0, until } from "../supervisor/harness.js";

describePg("retention on PostgreSQL (a fresh schema)", () => {
  let scratch: Awaited<ReturnType<typeof freshSchema>>;
  beforeAll(async () => {
    scratch = await freshSchema();
  });
  afterAll(() => scratch?.drop());

  it("a member prunes its triggers under their leases, compacts the journal, and a stale fence deletes nothing", async () => {
    const store = new TriggerStore(scratch.url);
    const provenance = new DagProvenance(scratch.url);
    const clock = new TestClock(T0);
    const ns = new Namespace();
    const node = ns.register(() => 1, { nsref: "quick:fn" });
    const dag = new Dag();
    dag.node(node);
    ns.register(dag, { nsref: "quick:dag" });
    ns.registerTrigger({
      name: "t",
      dagNsref: "quick:dag",
      triggerType: "poll",
      schedule: "* * * * *",
      timezone: "UTC",
    });
    const finished: ManagerEvent[] = [];
    const errors: unknown[] = [];
    const m = new TriggerManager({
      namespace: ns,
      store,
      provenance,
      clock,
      retention: false,
      onEvent: (e) => {
        if (e.kind === "finished") finished.push(e);
      },
      onError: (e) => errors.push(e),
    });
    try {
      await m.start();
      await m.activate("t");
      expect(m.status().leases).toBe("trigger");
      for (let i = 1; i <= 12; i++) {
        await clock.advance(MINUTE);
        await until(() => finished.length >= i, `${i} runs`);
      }
      const before = await store.getEvents("t", { limit: 100 });
      const stale = { kind: "triggers", owner: "not-me", epochs: new Map([["t", 1]]) } as const;
      const refused = await rejection(
        pruneHistory(
          { store, history: provenance, fenceFor: () => stale, runsFence: () => stale },
          { events: clock.now(), journal: clock.now(), runs: Date.now() + 1000 },
          { batchSize: 500, now: clock.now() },
        ),
      );
      expect(refused).toBeInstanceOf(LeaseLost);
      expect(await store.getEvents("t", { limit: 100 })).toHaveLength(before.length);

      const dry = await m.prune({ olderThan: "5m", dryRun: true });
      const done = await m.prune({ olderThan: "5m" });
      expect(done.events).toBe(dry.events);
      expect(done.journal).toBe(dry.journal);
      expect(done.events).toBeGreaterThan(0);
      const left = await store.getEvents("t", { limit: 100 });
      expect(left.length).toBe(before.length - done.events);
      expect(left.every((e) => e.firedAt.getTime() >= clock.now() - 5 * MINUTE)).toBe(true);
      const report = await replayHistory(store, "t");
      expect(report.checkpoint?.seq).toBeGreaterThan(0);
      expect(report.matchesSnapshot, report.differences.join("; ")).toBe(true);
      // Runs (timed by the runner's real clock): every finished run but the last goes.
      const lastRunId = (await store.getActivation("t"))?.lastRunId as string;
      const pruned = await provenance.pruneRuns(Date.now() + 1000, 500, [lastRunId]);
      expect(pruned).toBe(11);
      expect((await provenance.getRecentRuns({ limit: 100 })).map((r) => r.runId)).toEqual([
        lastRunId,
      ]);
      expect(errors).toEqual([]);
    } finally {
      const stopped = m.stop({ graceMs: 0 });
      await clock.advance(0);
      await stopped;
      await store.close();
      await provenance.close();
    }
  });
});
