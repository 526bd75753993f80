import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Dag } from "../../src/dag/Dag.js";
import { TriggerNotInStore } from "../../src/inspect/errors.js";
import { explain } from "../../src/inspect/explain.js";
import { replayHistory } from "../../src/inspect/replayHistory.js";
import { Namespace } from "../../src/namespace/Namespace.js";
import { DagProvenance } from "../../src/provenance/DagProvenance.js";
import { TestClock } from "../../src/schedule/TestClock.js";
import { TriggerManager } from "../../src/supervisor/TriggerManager.js";
import { TriggerStore } from "../../src/trigger/TriggerStore.js";
import { sharedHistory } from "./fixtures/sharedHistory.js";
import { MINUTE, T0 } from "./fixtures/supervisedDatabase.js";

const shared = sharedHistory();
beforeAll(shared.setup);
afterAll(shared.cleanup);

const opened: TriggerStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});
const open = (file = shared.history.triggerPath) => {
  const store = new TriggerStore(file, { readonly: true });
  opened.push(store);
  return store;
};

describe("replayHistory(store, name)", () => {
  it("rebuilds every trigger's stored snapshot from its journal alone", async () => {
    const store = open();
    for (const activation of await store.listActivations()) {
      const report = await replayHistory(store, activation.name);
      expect(report.matchesSnapshot, `${activation.name}: ${report.differences.join("; ")}`).toBe(
        true,
      );
      expect(report.differences).toEqual([]);
      expect(report.state).toBe(report.snapshotState);
      expect(report.events.length).toBeGreaterThan(0);
      expect(report.events.every((step) => step.agrees)).toBe(true);
      const journal = await store.getJournal(activation.name);
      expect(report.events.map((step) => step.seq)).toEqual(journal.map((entry) => entry.seq));
      expect(report.lastSeq).toBe(journal.at(-1)?.seq);
    }
  });

  it("replays the stuck trigger to `firing` with its run in flight and its buffered tick", async () => {
    const report = await replayHistory(open(), "stuck");
    expect(report.state).toBe("firing");
    expect(report.context.inFlight[0]?.scheduledAt).toBe(T0 + 9 * MINUTE);
    expect(report.context.pending[0]?.scheduledAt).toBe(T0 + 10 * MINUTE);
    expect(report.events.map((step) => [step.event.type, step.stateAfter, step.actions])).toEqual([
      ["ACTIVATE", "active", []],
      ["TICK", "firing", ["startRun"]],
      ["TICK", "firing", ["bufferTick"]],
    ]);
  });

  it("stops at a journal sequence number or an instant, and then compares nothing", async () => {
    const store = open();
    const journal = await store.getJournal("stuck");
    const firstTick = journal[1];
    const bySeq = await replayHistory(store, "stuck", { until: firstTick?.seq ?? -1 });
    expect(bySeq.state).toBe("firing");
    expect(bySeq.context.pending).toEqual([]);
    expect(bySeq.events).toHaveLength(2);
    expect(bySeq.matchesSnapshot).toBeUndefined();

    const byInstant = await replayHistory(store, "stuck", {
      until: new Date(T0 + 8.75 * MINUTE),
    });
    expect(byInstant.state).toBe("active");
    expect(byInstant.events).toHaveLength(1);

    const before = await replayHistory(store, "stuck", { until: new Date(T0) });
    expect(before.state).toBe("inactive");
    expect(before.events).toEqual([]);
    expect(before.lastSeq).toBeUndefined();
  });

  it("reports a stored snapshot that the journal does not lead to, and where they differ", async () => {
    const file = shared.tamperedCopy(
      `UPDATE trigger_activations
         SET snapshot_json = json_set(snapshot_json, '$.context.lastScheduledAt', 0)
       WHERE name = 'every_minute'`,
    );
    const report = await replayHistory(open(file), "every_minute");
    expect(report.matchesSnapshot).toBe(false);
    expect(report.differences).toEqual([
      `context.lastScheduledAt: replayed ${T0 + 10 * MINUTE}, stored 0`,
    ]);
    expect(report.state).toBe("active");
  });

  it("notices a journal with an entry missing", async () => {
    const file = shared.tamperedCopy(
      `DELETE FROM trigger_journal WHERE seq = (
         SELECT MAX(seq) FROM trigger_journal WHERE trigger_name = 'slow_buffer'
           AND event_json LIKE '%DEACTIVATE%')`,
    );
    const report = await replayHistory(open(file), "slow_buffer");
    expect(report.matchesSnapshot).toBe(false);
    // Without the deactivation, the end of the first run starts the buffered tick.
    expect(report.state).toBe("firing");
    expect(report.snapshotState).toBe("disabled");
    expect(report.differences[0]).toBe('state: replayed "firing", stored "disabled"');
  });

  it("fails with TriggerNotInStore for a trigger the database does not know", async () => {
    await expect(replayHistory(open(), "nope")).rejects.toBeInstanceOf(TriggerNotInStore);
  });
});

describe("replayHistory and explain of an allowAll trigger with maxConcurrent", () => {
  it("replay the limit from the stored snapshot: the journal matches and skips name the real limit", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tickflow-maxconc-"));
    const triggerPath = path.join(dir, "triggers.db");
    try {
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const ns = new Namespace();
      const slow = new Dag();
      slow.node(async () => held.then(() => "done"), { label: "wait" });
      ns.register(slow, { nsref: "p:slow" });
      ns.registerTrigger({
        name: "mc",
        dagNsref: "p:slow",
        triggerType: "poll",
        schedule: "* * * * *",
        timezone: "UTC",
        overlap: "allowAll",
        maxConcurrent: 2,
      });
      const clock = new TestClock(T0, { settleTurns: 10 });
      const store = new TriggerStore(triggerPath);
      const provenance = new DagProvenance(path.join(dir, "provenance.db"));
      const manager = new TriggerManager({ namespace: ns, store, provenance, clock });
      await manager.activate("mc");
      await manager.start();
      // Four ticks while every run waits: two start, two are skipped at the limit.
      for (let minute = 0; minute < 4; minute++) await clock.advance(MINUTE);
      release();
      for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r));
      await manager.stop();
      store.close();
      provenance.close();

      const readonly = open(triggerPath);
      const report = await replayHistory(readonly, "mc");
      expect(report.differences).toEqual([]);
      expect(report.matchesSnapshot).toBe(true);
      const skips = (await explain(readonly, "mc")).filter((d) => d.kind === "skipped_overlap");
      expect(skips).toHaveLength(2);
      for (const skip of skips) {
        expect(skip.reason).toContain("with 2 runs in flight");
        expect(skip.reason).toContain("maxConcurrent 2");
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
