import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { transition } from "xstate";
import {
  TRIGGER_MACHINE_VERSION,
  type TriggerSnapshot,
  triggerMachine,
  triggerStateOf,
} from "../../machines/trigger.machine.js";
import { migrateTriggerSnapshot } from "../../machines/trigger.migrations.js";

/** Snapshots written by machine version 1 (main at 59157fd), as stored. */
const fixture = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "../supervisor/fixtures/machineV1.json"), "utf8"),
) as { activations: { name: string; machine_version: number; snapshot_json: string }[] };
const stored = (name: string) => {
  const row = fixture.activations.find((a) => a.name === name);
  if (row === undefined) throw new Error(`no ${name} in the fixture`);
  return row;
};
const restore = (name: string): TriggerSnapshot => {
  const row = stored(name);
  const migrated = migrateTriggerSnapshot(JSON.parse(row.snapshot_json), row.machine_version);
  return triggerMachine.resolveState(migrated as never) as TriggerSnapshot;
};

describe("migrateTriggerSnapshot", () => {
  it("turns a version-1 firing snapshot's single fires into lists", () => {
    const orders = restore("orders");
    expect(triggerStateOf(orders)).toBe("firing");
    const v1 = JSON.parse(stored("orders").snapshot_json).context;
    expect(orders.context).toEqual({
      name: "orders",
      overlap: "bufferOne",
      maxConcurrent: null,
      lastScheduledAt: null,
      inFlight: [v1.inFlight],
      pending: [v1.pending],
      cancelling: [],
      lastRun: null,
    });
    // It goes on as version 2: the end of the run in flight starts the pending fire.
    const [next, actions] = transition(triggerMachine, orders, {
      type: "RUN_FINISHED",
      runId: v1.inFlight.runId,
      status: "completed",
    });
    expect(actions.map((a) => [a.type, a.params])).toEqual([
      ["runEnded", { runId: v1.inFlight.runId, eventId: v1.inFlight.eventId, status: "completed" }],
      ["startRun", { fire: v1.pending, buffered: true }],
    ]);
    expect(next.context.inFlight).toEqual([v1.pending]);
  });

  it("turns an idle version-1 snapshot's nulls into empty lists", () => {
    const idle = restore("idle");
    expect(triggerStateOf(idle)).toBe("active");
    expect(idle.context).toMatchObject({ inFlight: [], pending: [], cancelling: [] });
  });

  it("leaves a current snapshot as it is", () => {
    const current = triggerMachine.getPersistedSnapshot(restore("orders"));
    expect(migrateTriggerSnapshot(current, TRIGGER_MACHINE_VERSION)).toBe(current);
  });

  it("refuses versions it does not know, naming them", () => {
    const snapshot = JSON.parse(stored("idle").snapshot_json);
    expect(() => migrateTriggerSnapshot(snapshot, 0)).toThrow(/machine version 0/);
    expect(() => migrateTriggerSnapshot(snapshot, TRIGGER_MACHINE_VERSION + 1)).toThrow(RangeError);
    expect(() => migrateTriggerSnapshot(snapshot, undefined)).toThrow(/not stored/);
    expect(() => migrateTriggerSnapshot("nope", 1)).toThrow(/not an object/);
  });
});
