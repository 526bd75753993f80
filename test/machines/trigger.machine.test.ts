import { describe, expect, it, vi } from "vitest";
import { createActor, initialTransition, transition } from "xstate";
import {
  type FireRef,
  replayEvents,
  TRIGGER_MACHINE_VERSION,
  type TriggerContext,
  type TriggerEvent,
  type TriggerInput,
  type TriggerSnapshot,
  type TriggerStateValue,
  triggerMachine,
  triggerStateOf,
} from "../../machines/trigger.machine.js";

// ---------------------------------------------------------------------------
// Helpers. The tests drive the machine only through XState's pure `transition()`,
// the way the supervisor and the journal replay do.

/** One step: the next snapshot and the types of the actions the step implies. */
function step(snapshot: TriggerSnapshot, event: TriggerEvent) {
  const [next, actions] = transition(triggerMachine, snapshot, event);
  // `transition()` lists the actions to execute, not the built-in `assign`s (those are
  // already folded into the snapshot); so the list holds exactly the named actions.
  return { next, actions, types: actions.map((a) => a.type) };
}

/** The snapshot reached from the initial state through `events`. */
function reach(input: TriggerInput, events: readonly TriggerEvent[]): TriggerSnapshot {
  let [snapshot] = initialTransition(triggerMachine, input);
  for (const event of events) snapshot = step(snapshot, event).next;
  return snapshot;
}

const tick = (scheduledAt: number, runId: string, payload: unknown = null): TriggerEvent => ({
  type: "TICK",
  scheduledAt,
  runId,
  eventId: `e-${runId}`,
  payload,
});
const fire = (runId: string, payload: unknown = null): TriggerEvent => ({
  type: "FIRE",
  runId,
  eventId: `e-${runId}`,
  payload,
});
const finished = (runId: string, status = "success"): TriggerEvent => ({
  type: "RUN_FINISHED",
  runId,
  status,
});
const skipped = (scheduledAt: number): TriggerEvent => ({
  type: "TICK_SKIPPED",
  scheduledAt,
  reason: "missed",
});
const ref = (runId: string, scheduledAt: number | null, payload: unknown = null): FireRef => ({
  runId,
  eventId: `e-${runId}`,
  scheduledAt,
  payload,
});
const ACTIVATE: TriggerEvent = { type: "ACTIVATE" };
const DEACTIVATE: TriggerEvent = { type: "DEACTIVATE" };

// ---------------------------------------------------------------------------
// The table: every state (and the context variants that change an outcome) × every
// event type.

const START = {
  inactive: { input: { name: "t" }, events: [] },
  // lastScheduledAt = 1000, so a TICK at 1000 is a duplicate.
  active: { input: { name: "t" }, events: [ACTIVATE, skipped(1000)] },
  "firing(skip)": { input: { name: "t" }, events: [ACTIVATE, tick(1000, "r1")] },
  "firing(bufferOne)": {
    input: { name: "t", overlap: "bufferOne" },
    events: [ACTIVATE, tick(1000, "r1")],
  },
  "firing(bufferOne, pending)": {
    input: { name: "t", overlap: "bufferOne" },
    events: [ACTIVATE, tick(1000, "r1"), tick(2000, "r2")],
  },
  "firing(bufferAll, pending)": {
    input: { name: "t", overlap: "bufferAll" },
    events: [ACTIVATE, tick(1000, "r1"), tick(2000, "r2")],
  },
  "firing(cancelOther)": {
    input: { name: "t", overlap: "cancelOther" },
    events: [ACTIVATE, tick(1000, "r1")],
  },
  "firing(cancelOther, cancelling)": {
    input: { name: "t", overlap: "cancelOther" },
    events: [ACTIVATE, tick(1000, "r1"), tick(2000, "r2")],
  },
  "firing(allowAll, room)": {
    input: { name: "t", overlap: "allowAll", maxConcurrent: 2 },
    events: [ACTIVATE, tick(1000, "r1")],
  },
  "firing(allowAll, full)": {
    input: { name: "t", overlap: "allowAll", maxConcurrent: 2 },
    events: [ACTIVATE, tick(1000, "r1"), tick(2000, "r2")],
  },
  "firing(allowAll, unbounded)": {
    input: { name: "t", overlap: "allowAll" },
    events: [ACTIVATE, tick(1000, "r1"), tick(2000, "r2"), tick(3000, "r3")],
  },
  disabled: { input: { name: "t" }, events: [ACTIVATE, DEACTIVATE] },
  "disabled(run in flight)": {
    input: { name: "t" },
    events: [ACTIVATE, tick(1000, "r1"), DEACTIVATE],
  },
} satisfies Record<string, { input: TriggerInput; events: readonly TriggerEvent[] }>;
type Start = keyof typeof START;

const EVENTS = {
  ACTIVATE,
  DEACTIVATE,
  "TICK new": tick(5000, "rT", { n: 1 }),
  "TICK duplicate": tick(1000, "rDup"),
  "TICK old": tick(500, "rOld"),
  "TICK_SKIPPED new": skipped(5000),
  "TICK_SKIPPED old": skipped(500),
  FIRE: fire("rF", { pushed: true }),
  "RUN_FINISHED in flight": finished("r1"),
  "RUN_FINISHED in flight, interrupted": finished("r1", "interrupted"),
  "RUN_FINISHED second": finished("r2"),
  "RUN_FINISHED stale": finished("rX"),
  "CONFIGURE bufferOne": { type: "CONFIGURE", overlap: "bufferOne" },
  "CONFIGURE skip": { type: "CONFIGURE", overlap: "skip" },
  "CONFIGURE allowAll 3": { type: "CONFIGURE", overlap: "allowAll", maxConcurrent: 3 },
} satisfies Record<string, TriggerEvent>;
type EventName = keyof typeof EVENTS;

type Outcome =
  | "ignored"
  | {
      /** `"same"`: the state does not change. */
      readonly state: TriggerStateValue | "same";
      /** The context fields that change; the others must stay as they were. */
      readonly context?: Partial<TriggerContext>;
      readonly actions?: readonly string[];
    };

/** Stays in its state; only these context fields change; no actions. */
const stay = (context: Partial<TriggerContext>): Outcome => ({ state: "same", context });
const lastRun = { runId: "r1", status: "success" };

/** Every event type is listed for every start; the coverage test below enforces it. */
const TABLE: Record<Start, Partial<Record<EventName, Outcome>>> = {
  inactive: {
    ACTIVATE: { state: "active" },
    DEACTIVATE: { state: "disabled" },
    "TICK new": "ignored",
    "TICK_SKIPPED new": "ignored",
    FIRE: "ignored",
    "RUN_FINISHED in flight": "ignored",
    "CONFIGURE bufferOne": stay({ overlap: "bufferOne" }),
  },
  active: {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled" },
    "TICK new": {
      state: "firing",
      context: { inFlight: [ref("rT", 5000, { n: 1 })], lastScheduledAt: 5000 },
      actions: ["startRun"],
    },
    "TICK duplicate": "ignored",
    "TICK old": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    "TICK_SKIPPED old": "ignored",
    FIRE: {
      state: "firing",
      context: { inFlight: [ref("rF", null, { pushed: true })] },
      actions: ["startRun"],
    },
    "RUN_FINISHED in flight": "ignored",
    "CONFIGURE bufferOne": stay({ overlap: "bufferOne" }),
  },
  "firing(skip)": {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled" },
    "TICK new": {
      state: "same",
      context: { lastScheduledAt: 5000 },
      actions: ["recordOverlapSkip"],
    },
    "TICK duplicate": "ignored",
    "TICK old": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    "TICK_SKIPPED old": "ignored",
    FIRE: { state: "same", context: {}, actions: ["recordOverlapSkip"] },
    "RUN_FINISHED in flight": {
      state: "active",
      context: { inFlight: [], lastRun },
      actions: ["runEnded"],
    },
    "RUN_FINISHED stale": "ignored",
    "CONFIGURE bufferOne": stay({ overlap: "bufferOne" }),
  },
  "firing(bufferOne)": {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled" },
    "TICK new": {
      state: "same",
      context: { pending: [ref("rT", 5000, { n: 1 })], lastScheduledAt: 5000 },
      actions: ["bufferTick"],
    },
    "TICK duplicate": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    FIRE: {
      state: "same",
      context: { pending: [ref("rF", null, { pushed: true })] },
      actions: ["bufferTick"],
    },
    "RUN_FINISHED in flight": {
      state: "active",
      context: { inFlight: [], lastRun },
      actions: ["runEnded"],
    },
    "RUN_FINISHED stale": "ignored",
    "CONFIGURE skip": stay({ overlap: "skip" }),
  },
  "firing(bufferOne, pending)": {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled", context: { pending: [] }, actions: ["dropPending"] },
    // The first pending fire is kept; later ones are skipped.
    "TICK new": {
      state: "same",
      context: { lastScheduledAt: 5000 },
      actions: ["recordOverlapSkip"],
    },
    "TICK duplicate": "ignored",
    "TICK old": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    FIRE: { state: "same", context: {}, actions: ["recordOverlapSkip"] },
    "RUN_FINISHED in flight": {
      state: "firing",
      context: { inFlight: [ref("r2", 2000)], pending: [], lastRun },
      actions: ["runEnded", "startRun"],
    },
    "RUN_FINISHED stale": "ignored",
    // Switching policy keeps the fire already buffered (the ledger says it was kept).
    "CONFIGURE skip": stay({ overlap: "skip" }),
  },
  "firing(bufferAll, pending)": {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled", context: { pending: [] }, actions: ["dropPending"] },
    // Every fire is kept, in order.
    "TICK new": {
      state: "same",
      context: { pending: [ref("r2", 2000), ref("rT", 5000, { n: 1 })], lastScheduledAt: 5000 },
      actions: ["bufferTick"],
    },
    "TICK duplicate": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    FIRE: {
      state: "same",
      context: { pending: [ref("r2", 2000), ref("rF", null, { pushed: true })] },
      actions: ["bufferTick"],
    },
    "RUN_FINISHED in flight": {
      state: "firing",
      context: { inFlight: [ref("r2", 2000)], pending: [], lastRun },
      actions: ["runEnded", "startRun"],
    },
    "RUN_FINISHED stale": "ignored",
    "CONFIGURE skip": stay({ overlap: "skip" }),
  },
  "firing(cancelOther)": {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled" },
    // The run in flight is cancelled; the new fire waits for its end.
    "TICK new": {
      state: "same",
      context: {
        pending: [ref("rT", 5000, { n: 1 })],
        cancelling: ["r1"],
        lastScheduledAt: 5000,
      },
      actions: ["cancelRun", "bufferTick"],
    },
    "TICK duplicate": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    FIRE: {
      state: "same",
      context: { pending: [ref("rF", null, { pushed: true })], cancelling: ["r1"] },
      actions: ["cancelRun", "bufferTick"],
    },
    // Interrupted without being cancelled (a stop): recorded as it is.
    "RUN_FINISHED in flight, interrupted": {
      state: "active",
      context: { inFlight: [], lastRun: { runId: "r1", status: "interrupted" } },
      actions: ["runEnded"],
    },
    "RUN_FINISHED stale": "ignored",
    "CONFIGURE allowAll 3": stay({ overlap: "allowAll", maxConcurrent: 3 }),
  },
  "firing(cancelOther, cancelling)": {
    ACTIVATE: "ignored",
    // The run being cancelled goes on being cancelled; the waiting fire is dropped.
    DEACTIVATE: { state: "disabled", context: { pending: [] }, actions: ["dropPending"] },
    // A newer fire replaces the waiting one; the run is not cancelled twice.
    "TICK new": {
      state: "same",
      context: { pending: [ref("rT", 5000, { n: 1 })], lastScheduledAt: 5000 },
      actions: ["dropPending", "bufferTick"],
    },
    "TICK duplicate": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    FIRE: {
      state: "same",
      context: { pending: [ref("rF", null, { pushed: true })] },
      actions: ["dropPending", "bufferTick"],
    },
    "RUN_FINISHED in flight, interrupted": {
      state: "firing",
      context: {
        inFlight: [ref("r2", 2000)],
        pending: [],
        cancelling: [],
        lastRun: { runId: "r1", status: "cancelled" },
      },
      actions: ["runEnded", "startRun"],
    },
    // It ended before it noticed: its own status is recorded.
    "RUN_FINISHED in flight": {
      state: "firing",
      context: { inFlight: [ref("r2", 2000)], pending: [], cancelling: [], lastRun },
      actions: ["runEnded", "startRun"],
    },
    "RUN_FINISHED stale": "ignored",
    "CONFIGURE skip": stay({ overlap: "skip" }),
  },
  "firing(allowAll, room)": {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled" },
    "TICK new": {
      state: "same",
      context: { inFlight: [ref("r1", 1000), ref("rT", 5000, { n: 1 })], lastScheduledAt: 5000 },
      actions: ["startRun"],
    },
    "TICK duplicate": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    FIRE: {
      state: "same",
      context: { inFlight: [ref("r1", 1000), ref("rF", null, { pushed: true })] },
      actions: ["startRun"],
    },
    "RUN_FINISHED in flight": {
      state: "active",
      context: { inFlight: [], lastRun },
      actions: ["runEnded"],
    },
    "RUN_FINISHED stale": "ignored",
    "CONFIGURE skip": stay({ overlap: "skip" }),
  },
  "firing(allowAll, full)": {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled" },
    // Beyond maxConcurrent: skipped, like overlap "skip".
    "TICK new": {
      state: "same",
      context: { lastScheduledAt: 5000 },
      actions: ["recordOverlapSkip"],
    },
    "TICK duplicate": "ignored",
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    FIRE: { state: "same", context: {}, actions: ["recordOverlapSkip"] },
    "RUN_FINISHED in flight": {
      state: "same",
      context: { inFlight: [ref("r2", 2000)], lastRun },
      actions: ["runEnded"],
    },
    "RUN_FINISHED second": {
      state: "same",
      context: { inFlight: [ref("r1", 1000)], lastRun: { runId: "r2", status: "success" } },
      actions: ["runEnded"],
    },
    "RUN_FINISHED stale": "ignored",
    "CONFIGURE allowAll 3": stay({ maxConcurrent: 3 }),
  },
  "firing(allowAll, unbounded)": {
    ACTIVATE: "ignored",
    DEACTIVATE: { state: "disabled" },
    "TICK new": {
      state: "same",
      context: {
        inFlight: [ref("r1", 1000), ref("r2", 2000), ref("r3", 3000), ref("rT", 5000, { n: 1 })],
        lastScheduledAt: 5000,
      },
      actions: ["startRun"],
    },
    "TICK_SKIPPED new": stay({ lastScheduledAt: 5000 }),
    FIRE: {
      state: "same",
      context: {
        inFlight: [
          ref("r1", 1000),
          ref("r2", 2000),
          ref("r3", 3000),
          ref("rF", null, { pushed: true }),
        ],
      },
      actions: ["startRun"],
    },
    "RUN_FINISHED second": {
      state: "same",
      context: {
        inFlight: [ref("r1", 1000), ref("r3", 3000)],
        lastRun: { runId: "r2", status: "success" },
      },
      actions: ["runEnded"],
    },
    "CONFIGURE allowAll 3": stay({ maxConcurrent: 3 }),
  },
  disabled: {
    ACTIVATE: { state: "active" },
    DEACTIVATE: "ignored",
    "TICK new": "ignored",
    "TICK_SKIPPED new": "ignored",
    FIRE: "ignored",
    "RUN_FINISHED in flight": "ignored",
    "CONFIGURE bufferOne": stay({ overlap: "bufferOne" }),
  },
  "disabled(run in flight)": {
    // Back to firing without starting anything: the run is still running.
    ACTIVATE: { state: "firing" },
    DEACTIVATE: "ignored",
    "TICK new": "ignored",
    "TICK_SKIPPED new": "ignored",
    FIRE: "ignored",
    "RUN_FINISHED in flight": {
      state: "disabled",
      context: { inFlight: [], lastRun },
      actions: ["runEnded"],
    },
    "RUN_FINISHED stale": "ignored",
    "CONFIGURE bufferOne": stay({ overlap: "bufferOne" }),
  },
};

const ROWS = (Object.keys(TABLE) as Start[]).flatMap((start) =>
  (Object.entries(TABLE[start]) as [EventName, Outcome][]).map(
    ([eventName, outcome]) => [start, eventName, outcome] as const,
  ),
);

describe("trigger machine: state × event table", () => {
  it("lists every event type for every start state", () => {
    const types = new Set(Object.values(EVENTS).map((e) => e.type));
    for (const start of Object.keys(TABLE) as Start[]) {
      const covered = new Set(
        Object.keys(TABLE[start]).map((name) => EVENTS[name as EventName].type),
      );
      expect([...covered].sort(), start).toEqual([...types].sort());
    }
  });

  it.each(ROWS)("%s + %s", (start, eventName, outcome) => {
    const before = reach(START[start].input, START[start].events);
    const { next, types } = step(before, EVENTS[eventName]);
    if (outcome === "ignored") {
      // Ignored means ignored: the very same snapshot and nothing to execute.
      expect(next).toBe(before);
      expect(types).toEqual([]);
      return;
    }
    const state = outcome.state === "same" ? triggerStateOf(before) : outcome.state;
    expect(triggerStateOf(next)).toBe(state);
    expect(next.context).toEqual({ ...before.context, ...outcome.context });
    expect(types).toEqual(outcome.actions ?? []);
  });
});

describe("trigger machine: reached states", () => {
  it("starts inactive with the input's name and the default overlap", () => {
    const [snapshot, actions] = initialTransition(triggerMachine, { name: "hourly" });
    expect(triggerStateOf(snapshot)).toBe("inactive");
    expect(actions).toEqual([]);
    expect(snapshot.context).toEqual({
      name: "hourly",
      overlap: "skip",
      maxConcurrent: null,
      lastScheduledAt: null,
      inFlight: [],
      pending: [],
      cancelling: [],
      lastRun: null,
    });
  });

  it("gives each fire action the fire it concerns as params", () => {
    const active = reach({ name: "t", overlap: "bufferOne" }, [ACTIVATE]);
    const started = step(active, tick(1000, "r1", { a: 1 }));
    expect(started.actions.map((a) => [a.type, a.params])).toEqual([
      ["startRun", { fire: ref("r1", 1000, { a: 1 }), buffered: false }],
    ]);

    const buffered = step(started.next, fire("r2"));
    expect(buffered.actions.map((a) => [a.type, a.params])).toEqual([
      ["bufferTick", { fire: ref("r2", null) }],
    ]);
    const skippedFire = step(buffered.next, tick(2000, "r3"));
    expect(skippedFire.actions.map((a) => [a.type, a.params])).toEqual([
      ["recordOverlapSkip", { fire: ref("r3", 2000) }],
    ]);
    const dropped = step(buffered.next, DEACTIVATE);
    expect(dropped.actions.map((a) => [a.type, a.params])).toEqual([
      ["dropPending", { fire: ref("r2", null) }],
    ]);
    const promoted = step(buffered.next, finished("r1", "failed"));
    expect(promoted.actions.map((a) => [a.type, a.params])).toEqual([
      ["runEnded", { runId: "r1", eventId: "e-r1", status: "failed" }],
      ["startRun", { fire: ref("r2", null), buffered: true }],
    ]);
  });
});

describe("trigger machine: overlap", () => {
  /** Runs the events and collects every action type, in order. */
  function collect(input: TriggerInput, events: readonly TriggerEvent[]) {
    let [snapshot] = initialTransition(triggerMachine, input);
    const all: string[] = [];
    for (const event of events) {
      const s = step(snapshot, event);
      snapshot = s.next;
      all.push(...s.types);
    }
    return { snapshot, actions: all };
  }

  it("skip: ticks while firing are recorded as skipped and the schedule moves on", () => {
    const { snapshot, actions } = collect({ name: "t" }, [
      ACTIVATE,
      tick(1000, "r1"),
      tick(2000, "r2"),
      fire("r3"),
      tick(3000, "r4"),
      finished("r1"),
    ]);
    expect(actions).toEqual([
      "startRun",
      "recordOverlapSkip",
      "recordOverlapSkip",
      "recordOverlapSkip",
      "runEnded",
    ]);
    expect(triggerStateOf(snapshot)).toBe("active");
    expect(snapshot.context).toMatchObject({
      lastScheduledAt: 3000,
      inFlight: [],
      pending: [],
    });
  });

  it("bufferOne: the first tick while firing runs next, later ones are skipped", () => {
    const { snapshot, actions } = collect({ name: "t", overlap: "bufferOne" }, [
      ACTIVATE,
      tick(1000, "r1"),
      tick(2000, "r2"),
      tick(3000, "r3"),
      finished("r1"),
      finished("r2"),
    ]);
    expect(actions).toEqual([
      "startRun",
      "bufferTick",
      "recordOverlapSkip",
      "runEnded",
      "startRun",
      "runEnded",
    ]);
    expect(triggerStateOf(snapshot)).toBe("active");
    expect(snapshot.context).toMatchObject({
      lastScheduledAt: 3000,
      inFlight: [],
      pending: [],
      lastRun: { runId: "r2", status: "success" },
    });
  });

  it("CONFIGURE switches the policy for the next overlap", () => {
    const { snapshot, actions } = collect({ name: "t" }, [
      ACTIVATE,
      tick(1000, "r1"),
      tick(2000, "r2"),
      { type: "CONFIGURE", overlap: "bufferOne" },
      tick(3000, "r3"),
    ]);
    expect(actions).toEqual(["startRun", "recordOverlapSkip", "bufferTick"]);
    expect(snapshot.context.pending).toEqual([ref("r3", 3000)]);
  });
});

describe("trigger machine: no double fire", () => {
  it("ignores a TICK at or before lastScheduledAt, in active and in firing", () => {
    let s = reach({ name: "t" }, [ACTIVATE, tick(1000, "r1")]);
    // While firing: a duplicate is not even an overlap skip.
    expect(step(s, tick(1000, "r1")).next).toBe(s);
    expect(step(s, tick(999, "r0")).next).toBe(s);
    s = step(s, finished("r1")).next;
    // After the run: the same tick delivered again (say, replayed after a crash).
    const again = step(s, tick(1000, "r1-again"));
    expect(again.next).toBe(s);
    expect(again.types).toEqual([]);
    // The next tick fires.
    expect(step(s, tick(1001, "r2")).types).toEqual(["startRun"]);
  });

  it("ignores stale RUN_FINISHED events", () => {
    const firing = reach({ name: "t" }, [ACTIVATE, tick(1000, "r1")]);
    expect(step(firing, finished("r0")).next).toBe(firing);
    const active = step(firing, finished("r1")).next;
    // The same end delivered twice: the second one is stale.
    const twice = step(active, finished("r1"));
    expect(twice.next).toBe(active);
    expect(twice.types).toEqual([]);
    const disabled = step(active, DEACTIVATE).next;
    expect(step(disabled, finished("r1")).next).toBe(disabled);
  });
});

describe("trigger machine: persistence and replay", () => {
  it("restores firing from a persisted snapshot without starting the run again", () => {
    const before = reach({ name: "t", overlap: "bufferOne" }, [
      ACTIVATE,
      tick(1000, "r1", { a: 1 }),
      tick(2000, "r2"),
    ]);
    // As stored in SQLite: through JSON.
    const stored = JSON.parse(JSON.stringify(triggerMachine.getPersistedSnapshot(before)));
    const startRun = vi.fn();
    const runEnded = vi.fn();
    const live = triggerMachine.provide({ actions: { startRun, runEnded } });
    const actor = createActor(live, { snapshot: stored, input: { name: "t" } });
    actor.start();

    expect(triggerStateOf(actor.getSnapshot())).toBe("firing");
    expect(actor.getSnapshot().context).toEqual(before.context);
    expect(startRun).not.toHaveBeenCalled();

    // The restored actor goes on normally: the end of r1 starts the pending r2, once.
    actor.send(finished("r1"));
    expect(runEnded).toHaveBeenCalledTimes(1);
    expect(startRun).toHaveBeenCalledTimes(1);
    expect(startRun.mock.calls[0]?.[1]).toEqual({ fire: ref("r2", 2000), buffered: true });
    actor.stop();
  });

  it("executes provided actions in a live actor (the spy above is wired right)", () => {
    const startRun = vi.fn();
    const actor = createActor(triggerMachine.provide({ actions: { startRun } }), {
      input: { name: "t" },
    }).start();
    actor.send(ACTIVATE);
    actor.send(tick(1000, "r1"));
    expect(startRun).toHaveBeenCalledTimes(1);
    actor.stop();
  });

  it("replayEvents equals stepwise transitions", () => {
    const input: TriggerInput = { name: "t", overlap: "bufferOne" };
    const journal: TriggerEvent[] = [
      ACTIVATE,
      skipped(500),
      tick(1000, "r1"),
      fire("r2"),
      tick(2000, "r3"),
      finished("r1", "failed"),
      { type: "CONFIGURE", overlap: "skip" },
      tick(3000, "r4"),
      DEACTIVATE,
      finished("r2"),
      ACTIVATE,
      tick(4000, "r5"),
    ];
    let [stepwise] = initialTransition(triggerMachine, input);
    for (const event of journal) stepwise = step(stepwise, event).next;

    const replayed = replayEvents(input, journal);
    expect(triggerMachine.getPersistedSnapshot(replayed)).toEqual(
      triggerMachine.getPersistedSnapshot(stepwise),
    );
    expect(triggerStateOf(replayed)).toBe("firing");
    expect(replayed.context).toMatchObject({
      overlap: "skip",
      lastScheduledAt: 4000,
      inFlight: [ref("r5", 4000)],
      pending: [],
      lastRun: { runId: "r2", status: "success" },
    });
  });

  it("stays consistent over 10,000 TICK/RUN_FINISHED pairs", () => {
    const journal: TriggerEvent[] = [ACTIVATE];
    let [snapshot] = initialTransition(triggerMachine, { name: "t" });
    snapshot = step(snapshot, ACTIVATE).next;
    for (let i = 1; i <= 10_000; i++) {
      const t = tick(i * 60_000, `r${i}`);
      const started = step(snapshot, t);
      const ended = step(started.next, finished(`r${i}`));
      if (
        started.types.join() !== "startRun" ||
        ended.types.join() !== "runEnded" ||
        triggerStateOf(ended.next) !== "active"
      ) {
        throw new Error(`pair ${i} went wrong: ${started.types} / ${ended.types}`);
      }
      snapshot = ended.next;
      journal.push(t, finished(`r${i}`));
    }
    expect(triggerStateOf(snapshot)).toBe("active");
    expect(snapshot.context).toMatchObject({
      lastScheduledAt: 10_000 * 60_000,
      inFlight: [],
      pending: [],
      lastRun: { runId: "r10000", status: "success" },
    });
    expect(replayEvents({ name: "t" }, journal).context).toEqual(snapshot.context);
  });
});

describe("triggerStateOf and the version", () => {
  it("reads live and persisted snapshots and rejects foreign ones", () => {
    const firing = reach({ name: "t" }, [ACTIVATE, fire("r1")]);
    expect(triggerStateOf(firing)).toBe("firing");
    const stored = JSON.parse(JSON.stringify(triggerMachine.getPersistedSnapshot(firing)));
    expect(triggerStateOf(stored)).toBe("firing");
    expect(() => triggerStateOf({ value: "paused" })).toThrow(RangeError);
    expect(() => triggerStateOf({ value: { firing: "x" } })).toThrow(/not a trigger machine state/);
  });

  it("carries the machine version", () => {
    expect(TRIGGER_MACHINE_VERSION).toBe(2);
    expect(triggerMachine.version).toBe("2");
  });
});
