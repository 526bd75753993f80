import { describe, expect, it, vi } from "vitest";
import { initialTransition, transition } from "xstate";
import {
  type TriggerEvent,
  type TriggerInput,
  type TriggerSnapshot,
  triggerMachine,
} from "../../machines/trigger.machine.js";
import { MachineStepper } from "../../src/supervisor/MachineStepper.js";

/**
 * Steps `viaXState` with XState's `transition` and `viaStepper` with the stepper, checks
 * the two give the same persisted snapshot and actions, and returns both snapshots.
 */
function expectSameStep(
  stepper: MachineStepper,
  viaXState: TriggerSnapshot,
  viaStepper: TriggerSnapshot,
  event: TriggerEvent,
): [TriggerSnapshot, TriggerSnapshot] {
  const [a, actionsA] = transition(triggerMachine, viaXState, event);
  const [b, actionsB] = stepper.step(viaStepper, event);
  expect(triggerMachine.getPersistedSnapshot(b)).toEqual(triggerMachine.getPersistedSnapshot(a));
  expect(actionsB.map((x) => [x.type, x.params])).toEqual(actionsA.map((x) => [x.type, x.params]));
  return [a, b];
}

describe("MachineStepper", () => {
  it("gives the same snapshots and actions as XState's transition(), event after event", () => {
    const events: TriggerEvent[] = [
      { type: "ACTIVATE" },
      { type: "TICK", scheduledAt: 1_000, runId: "r1", eventId: "e1", payload: { a: 1 } },
      { type: "TICK", scheduledAt: 2_000, runId: "r2", eventId: "e2", payload: null },
      { type: "TICK", scheduledAt: 3_000, runId: "r3", eventId: "e3", payload: null },
      { type: "FIRE", runId: "r4", eventId: "e4", payload: {} },
      { type: "TICK_SKIPPED", scheduledAt: 4_000, reason: "missed" },
      { type: "RUN_FINISHED", runId: "r1", status: "completed" },
      { type: "RUN_FINISHED", runId: "zz", status: "failed" },
      { type: "DEACTIVATE" },
      { type: "RUN_FINISHED", runId: "r2", status: "failed" },
      { type: "ACTIVATE" },
      { type: "CONFIGURE", overlap: "skip" },
    ];
    const stepper = new MachineStepper();
    let [viaXState] = initialTransition(triggerMachine, { name: "t", overlap: "bufferOne" });
    let viaStepper = viaXState;
    for (const event of events) {
      [viaXState, viaStepper] = expectSameStep(stepper, viaXState, viaStepper, event);
    }
    expect(viaStepper.value).toBe("active");
  });

  it("an ignored event returns the same snapshot object (the supervisor writes nothing then)", () => {
    const stepper = new MachineStepper();
    const [initial] = initialTransition(triggerMachine, { name: "t" });
    const [next, actions] = stepper.step(initial, {
      type: "RUN_FINISHED",
      runId: "x",
      status: "completed",
    });
    expect(next).toBe(initial);
    expect(actions).toEqual([]);
  });

  it("its initial snapshot equals XState's initialTransition for the same input", () => {
    const stepper = new MachineStepper();
    const inputs = [
      { name: "a" },
      { name: "b", overlap: "bufferOne" as const },
      { name: "c", overlap: "allowAll" as const, maxConcurrent: 3 },
    ];
    for (const input of inputs) {
      const [expected] = initialTransition(triggerMachine, input);
      const initial = stepper.initial(input);
      expect(triggerMachine.getPersistedSnapshot(initial)).toEqual(
        triggerMachine.getPersistedSnapshot(expected),
      );
      expect([initial.status, initial.value, [...initial.tags]]).toEqual([
        expected.status,
        expected.value,
        [...expected.tags],
      ]);
      // The whole snapshot, not only what is persisted (state nodes, children, history).
      expect({ ...initial, tags: [...initial.tags] }).toEqual({
        ...expected,
        tags: [...expected.tags],
      });
      // Resolved directly (no initial transition), it steps as XState's own does.
      const [a, actionsA] = transition(triggerMachine, expected, { type: "ACTIVATE" });
      const [b, actionsB] = stepper.step(initial, { type: "ACTIVATE" });
      expect(triggerMachine.getPersistedSnapshot(b)).toEqual(
        triggerMachine.getPersistedSnapshot(a),
      );
      expect(actionsB).toEqual(actionsA);
    }
  });

  it("steps the same snapshot and event objects once: the look-ahead and the step share one transition", () => {
    const stepper = new MachineStepper();
    const active = stepper.step(stepper.initial({ name: "t" }), { type: "ACTIVATE" })[0];
    const fire: TriggerEvent = { type: "FIRE", runId: "r1", eventId: "e1", payload: {} };
    const spy = vi.spyOn(triggerMachine, "transition");
    try {
      const first = stepper.step(active, fire);
      const again = stepper.step(active, fire);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(again[0]).toBe(first[0]);
      expect(again[1].map((a) => a.type)).toEqual(["startRun"]);
      // An equal event that is another object, or another snapshot, is stepped afresh.
      const copy = stepper.step(active, { ...fire });
      expect(spy).toHaveBeenCalledTimes(2);
      expect(triggerMachine.getPersistedSnapshot(copy[0])).toEqual(
        triggerMachine.getPersistedSnapshot(first[0]),
      );
      const onward = stepper.step(first[0], fire);
      expect(spy).toHaveBeenCalledTimes(3);
      expect(onward[0].value).toBe("firing");
    } finally {
      spy.mockRestore();
    }
  });

  it("ACTIVATE, answered without the macrostep, gives exactly XState's snapshot from every state", () => {
    const stepper = new MachineStepper();
    const fire = (n: number): TriggerEvent => ({
      type: "FIRE",
      runId: `r${n}`,
      eventId: `e${n}`,
      payload: { n },
    });
    const walks: { readonly input: TriggerInput; readonly events: TriggerEvent[] }[] = [
      { input: { name: "a" }, events: [] },
      {
        input: { name: "b", overlap: "bufferAll" },
        events: [{ type: "CONFIGURE", overlap: "skip" }],
      },
      {
        input: { name: "c", overlap: "allowAll", maxConcurrent: 2 },
        events: [{ type: "ACTIVATE" }],
      },
      {
        input: { name: "d", overlap: "bufferOne" },
        events: [{ type: "ACTIVATE" }, fire(1), fire(2)],
      },
      { input: { name: "e" }, events: [{ type: "DEACTIVATE" }] },
      { input: { name: "f" }, events: [{ type: "ACTIVATE" }, fire(1), { type: "DEACTIVATE" }] },
      {
        input: { name: "g" },
        events: [
          { type: "ACTIVATE" },
          fire(1),
          { type: "DEACTIVATE" },
          { type: "RUN_FINISHED", runId: "r1", status: "completed" },
        ],
      },
      {
        input: { name: "h", overlap: "allowAll" },
        events: [{ type: "ACTIVATE" }, fire(1), fire(2), { type: "DEACTIVATE" }],
      },
    ];
    const states = new Set<string>();
    for (const { input, events } of walks) {
      const [start] = initialTransition(triggerMachine, input);
      const before = events.reduce((s, e) => transition(triggerMachine, s, e)[0], start);
      states.add(String(before.value));
      for (const activate of [
        { type: "ACTIVATE" },
        { type: "ACTIVATE", note: "n", by: "me" },
      ] as const) {
        const spy = vi.spyOn(triggerMachine, "transition");
        const [b, actionsB] = stepper.step(before, activate);
        // Answered directly: the machine's transition is not called.
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
        const [a, actionsA] = transition(triggerMachine, before, activate);
        expect(actionsB).toEqual(actionsA);
        expect(b === before).toBe(a === before);
        expect(b.context).toBe(a.context);
        expect({ ...b, tags: [...b.tags] }).toEqual({ ...a, tags: [...a.tags] });
        expect(triggerMachine.getPersistedSnapshot(b)).toEqual(
          triggerMachine.getPersistedSnapshot(a),
        );
        // And the next steps from it are XState's too.
        for (const next of [fire(9), { type: "DEACTIVATE" } as const]) {
          expectSameStep(stepper, a, b, next);
        }
      }
    }
    expect([...states].sort()).toEqual(["active", "disabled", "firing", "inactive"]);
  });
});
