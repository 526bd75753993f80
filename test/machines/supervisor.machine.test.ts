import { describe, expect, it } from "vitest";
import { initialTransition, transition } from "xstate";
import {
  type SupervisorContext,
  type SupervisorEvent,
  type SupervisorInput,
  type SupervisorSnapshot,
  type SupervisorStateValue,
  supervisorMachine,
  supervisorStateOf,
} from "../../machines/supervisor.machine.js";

// ---------------------------------------------------------------------------
// Helpers. The tests drive the machine only through XState's pure `transition()`, the
// way the supervisor does.

function step(snapshot: SupervisorSnapshot, event: SupervisorEvent) {
  const [next, actions] = transition(supervisorMachine, snapshot, event);
  return { next, actions, types: actions.map((a) => a.type) };
}

function reach(input: SupervisorInput, events: readonly SupervisorEvent[]): SupervisorSnapshot {
  let [snapshot] = initialTransition(supervisorMachine, input);
  for (const event of events) snapshot = step(snapshot, event).next;
  return snapshot;
}

const START: SupervisorEvent = { type: "START" };
const STOP: SupervisorEvent = { type: "STOP" };
const won = (epoch: number): SupervisorEvent => ({ type: "LEASE_WON", epoch, holder: "me" });
const held: SupervisorEvent = { type: "LEASE_HELD", holder: "other" };
const db: SupervisorInput = { mode: "database" };
const shared: SupervisorInput = { mode: "trigger" };

// ---------------------------------------------------------------------------
// The table: every state (and the context variants that change an outcome) × every event.

const STARTS = {
  stopped: { input: db, events: [] },
  starting: { input: db, events: [START] },
  "starting(shared)": { input: shared, events: [START] },
  "starting(stop requested)": { input: db, events: [START, STOP] },
  standby: { input: db, events: [START, held] },
  leading: { input: db, events: [START, won(3)] },
  member: { input: shared, events: [START, { type: "JOINED" }] },
  "stopping(leader)": { input: db, events: [START, won(3), STOP] },
  "stopping(standby)": { input: db, events: [START, held, STOP] },
} satisfies Record<string, { input: SupervisorInput; events: readonly SupervisorEvent[] }>;
type Start = keyof typeof STARTS;

const EVENTS = {
  START,
  "LEASE_WON 7": won(7),
  LEASE_HELD: held,
  JOINED: { type: "JOINED" },
  START_FAILED: { type: "START_FAILED" },
  LEASE_LOST: { type: "LEASE_LOST" },
  STORE_UNREACHABLE: { type: "STORE_UNREACHABLE" },
  STORE_REACHABLE: { type: "STORE_REACHABLE" },
  STOP,
  STOPPED: { type: "STOPPED" },
} satisfies Record<string, SupervisorEvent>;
type EventName = keyof typeof EVENTS;

type Outcome =
  | "ignored"
  | {
      readonly state: SupervisorStateValue | "same";
      /** The context fields that change; the others must stay as they were. */
      readonly context?: Partial<SupervisorContext>;
      readonly actions?: readonly string[];
    };

const stay = (context: Partial<SupervisorContext>): Outcome => ({ state: "same", context });
const unreachable = stay({ reachable: false });
const reachable = stay({ reachable: true });

/** Every event for every start; the coverage test enforces it. */
const TABLE: Record<Start, Record<EventName, Outcome>> = {
  stopped: {
    START: { state: "starting", context: { stopRequested: false } },
    "LEASE_WON 7": "ignored",
    LEASE_HELD: "ignored",
    JOINED: "ignored",
    START_FAILED: "ignored",
    LEASE_LOST: "ignored",
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    // stop() on a stopped supervisor is a no-op.
    STOP: "ignored",
    STOPPED: "ignored",
  },
  starting: {
    START: "ignored",
    "LEASE_WON 7": {
      state: "leading",
      context: { epoch: 7, holder: "me" },
      actions: ["lead"],
    },
    LEASE_HELD: { state: "standby", context: { holder: "other" } },
    // A database-lease supervisor never joins a share.
    JOINED: "ignored",
    START_FAILED: { state: "stopped", context: { stopRequested: false } },
    LEASE_LOST: "ignored",
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    // Recorded; start() settles first (see the stop-requested row).
    STOP: stay({ stopRequested: true }),
    STOPPED: "ignored",
  },
  "starting(shared)": {
    START: "ignored",
    "LEASE_WON 7": {
      state: "leading",
      context: { epoch: 7, holder: "me" },
      actions: ["lead"],
    },
    LEASE_HELD: { state: "standby", context: { holder: "other" } },
    JOINED: { state: "member" },
    START_FAILED: { state: "stopped", context: { stopRequested: false } },
    LEASE_LOST: "ignored",
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    STOP: stay({ stopRequested: true }),
    STOPPED: "ignored",
  },
  "starting(stop requested)": {
    START: "ignored",
    // The lease is taken only to be released by the stop: it never leads.
    "LEASE_WON 7": {
      state: "stopping",
      context: { epoch: 7, holder: "me", stopRequested: false },
      actions: ["beginStop"],
    },
    LEASE_HELD: { state: "stopping", context: { stopRequested: false }, actions: ["beginStop"] },
    JOINED: { state: "stopping", context: { stopRequested: false }, actions: ["beginStop"] },
    START_FAILED: { state: "stopped", context: { stopRequested: false } },
    LEASE_LOST: "ignored",
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    STOP: stay({ stopRequested: true }),
    STOPPED: "ignored",
  },
  standby: {
    START: "ignored",
    "LEASE_WON 7": {
      state: "leading",
      context: { epoch: 7, holder: "me" },
      actions: ["lead"],
    },
    LEASE_HELD: stay({ holder: "other" }),
    JOINED: "ignored",
    START_FAILED: "ignored",
    LEASE_LOST: "ignored",
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    STOP: { state: "stopping", actions: ["beginStop"] },
    STOPPED: "ignored",
  },
  leading: {
    START: "ignored",
    // Only a standby or a starting supervisor takes the lease.
    "LEASE_WON 7": "ignored",
    LEASE_HELD: "ignored",
    JOINED: "ignored",
    START_FAILED: "ignored",
    LEASE_LOST: {
      state: "standby",
      context: { epoch: undefined, holder: undefined },
      actions: ["stepDown"],
    },
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    // The epoch stays: the stop releases it.
    STOP: { state: "stopping", actions: ["beginStop"] },
    STOPPED: "ignored",
  },
  member: {
    START: "ignored",
    "LEASE_WON 7": "ignored",
    LEASE_HELD: "ignored",
    JOINED: "ignored",
    START_FAILED: { state: "stopped" },
    LEASE_LOST: "ignored",
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    STOP: { state: "stopping", actions: ["beginStop"] },
    STOPPED: "ignored",
  },
  "stopping(leader)": {
    // start() while stopping is refused by the supervisor (it is still started).
    START: "ignored",
    "LEASE_WON 7": stay({ epoch: 7, holder: "me" }),
    LEASE_HELD: "ignored",
    JOINED: "ignored",
    START_FAILED: "ignored",
    LEASE_LOST: stay({ epoch: undefined }),
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    // A second stop() shares the first one's promise; the machine does nothing new.
    STOP: "ignored",
    STOPPED: { state: "stopped", context: { epoch: undefined } },
  },
  "stopping(standby)": {
    START: "ignored",
    // A lease attempt in flight when stop() began won: kept only to be released.
    "LEASE_WON 7": stay({ epoch: 7, holder: "me" }),
    LEASE_HELD: "ignored",
    JOINED: "ignored",
    START_FAILED: "ignored",
    LEASE_LOST: stay({ epoch: undefined }),
    STORE_UNREACHABLE: unreachable,
    STORE_REACHABLE: reachable,
    STOP: "ignored",
    STOPPED: { state: "stopped", context: { epoch: undefined } },
  },
};

const ROWS = (Object.keys(TABLE) as Start[]).flatMap((start) =>
  (Object.entries(TABLE[start]) as [EventName, Outcome][]).map(
    ([eventName, outcome]) => [start, eventName, outcome] as const,
  ),
);

describe("supervisor machine: state × event table", () => {
  it("lists every event for every start state", () => {
    for (const start of Object.keys(TABLE) as Start[]) {
      expect(Object.keys(TABLE[start]).sort(), start).toEqual(Object.keys(EVENTS).sort());
    }
  });

  it.each(ROWS)("%s + %s", (start, eventName, outcome) => {
    const before = reach(STARTS[start].input, STARTS[start].events);
    const { next, types } = step(before, EVENTS[eventName]);
    if (outcome === "ignored") {
      expect(next).toBe(before);
      expect(types).toEqual([]);
      return;
    }
    const state = outcome.state === "same" ? supervisorStateOf(before) : outcome.state;
    expect(supervisorStateOf(next)).toBe(state);
    expect(next.context).toEqual({ ...before.context, ...outcome.context });
    expect(types).toEqual(outcome.actions ?? []);
  });
});

describe("supervisor machine: lives", () => {
  it("starts stopped with the input's mode, no lease and a reachable store", () => {
    const [snapshot, actions] = initialTransition(supervisorMachine, db);
    expect(supervisorStateOf(snapshot)).toBe("stopped");
    expect(actions).toEqual([]);
    expect(snapshot.context).toEqual({
      mode: "database",
      epoch: undefined,
      holder: undefined,
      stopRequested: false,
      reachable: true,
    });
  });

  it("a standby takes over, loses the lease, takes it again, stops and starts again", () => {
    const life: [SupervisorEvent, SupervisorStateValue][] = [
      [START, "starting"],
      [held, "standby"],
      [won(2), "leading"],
      [{ type: "LEASE_LOST" }, "standby"],
      [won(4), "leading"],
      [STOP, "stopping"],
      [{ type: "STOPPED" }, "stopped"],
      [START, "starting"],
    ];
    let [snapshot] = initialTransition(supervisorMachine, db);
    const seen: string[] = [];
    for (const [event, _] of life) {
      snapshot = step(snapshot, event).next;
      seen.push(supervisorStateOf(snapshot));
    }
    expect(seen).toEqual(life.map(([, state]) => state));
  });

  it("gives `lead` the epoch won, and `beginStop` sees the epoch to release", () => {
    const starting = reach(db, [START]);
    const led = step(starting, won(9));
    expect(led.actions.map((a) => [a.type, a.params])).toEqual([["lead", { epoch: 9 }]]);
    const stopping = step(led.next, STOP);
    expect(stopping.types).toEqual(["beginStop"]);
    expect(stopping.next.context.epoch).toBe(9);
  });

  it("stop() during start(): the start's outcome never serves", () => {
    for (const outcome of [won(5), held, { type: "JOINED" } as const]) {
      const input = outcome.type === "JOINED" ? shared : db;
      const s = reach(input, [START, STOP, outcome]);
      expect(supervisorStateOf(s), outcome.type).toBe("stopping");
      expect(s.context.stopRequested).toBe(false);
    }
  });

  it("a second start after a failed one is clean", () => {
    const s = reach(db, [START, STOP, { type: "START_FAILED" }, START]);
    expect(supervisorStateOf(s)).toBe("starting");
    expect(s.context.stopRequested).toBe(false);
  });
});
