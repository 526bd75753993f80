/**
 * The trigger machine: one XState 5 machine per trigger, written as a pure reducer.
 *
 * It has no invoked actors, no timers, no delays and no clock. The supervisor decides
 * when a tick is due, generates run and event ids, and puts all of that in the events.
 * Feeding the journal of events back through the machine therefore reproduces the
 * state exactly (deterministic replay), and a restored snapshot never starts work on
 * its own.
 *
 * Side effects are named actions with no-op defaults. The supervisor supplies the
 * real ones with `triggerMachine.provide({ actions })`, or reads the list that
 * `transition()` returns, and executes them only after it has committed the snapshot,
 * the journal row and the ledger rows in one transaction (write-ahead).
 *
 * @example
 * ```ts
 * import { initialTransition, transition } from "xstate";
 * import { triggerMachine } from "./trigger.machine.js";
 *
 * let [snapshot] = initialTransition(triggerMachine, { name: "hourly" });
 * [snapshot] = transition(triggerMachine, snapshot, { type: "ACTIVATE" });
 * const [next, actions] = transition(triggerMachine, snapshot, {
 *   type: "TICK", scheduledAt: 3_600_000, runId: "r1", eventId: "e1", payload: {},
 * });
 * next.value; // "firing"
 * actions.map((a) => a.type); // ["startRun"]
 * ```
 *
 * @module
 */
import { and, assign, initialTransition, type SnapshotFrom, setup, transition } from "xstate";

/**
 * Version of the machine's states, events and context. The supervisor stores it next
 * to every persisted snapshot (XState's persisted snapshot does not carry it) and
 * refuses to restore a snapshot written by another version. Bump it on any change
 * that makes an old snapshot or journal mean something else.
 *
 * @example
 * ```ts
 * if (row.machineVersion !== TRIGGER_MACHINE_VERSION) throw new Error("snapshot no longer fits");
 * ```
 */
export const TRIGGER_MACHINE_VERSION = 2;

import type {
  FireRef,
  TriggerContext,
  TriggerEvent,
  TriggerInput,
  TriggerStateValue,
} from "./trigger.types.js";

export type {
  FireRef,
  TriggerContext,
  TriggerEvent,
  TriggerInput,
  TriggerStateValue,
} from "./trigger.types.js";

/** The parameters every fire-related named action receives. */
interface FireParams {
  readonly fire: FireRef;
}

/** The parameters of `startRun`: `buffered` when the fire's ledger row exists (`buffered`). */
interface StartParams extends FireParams {
  readonly buffered: boolean;
}

/** The parameters of `runEnded`: the run, its fire's ledger row and the status to record. */
interface RunEndedParams {
  readonly runId: string;
  readonly eventId: string;
  readonly status: string;
}

/** The parameters of `cancelRun`. */
interface CancelParams {
  readonly runId: string;
}

type FireEvent = Extract<TriggerEvent, { type: "TICK" | "FIRE" }>;
type FinishedEvent = Extract<TriggerEvent, { type: "RUN_FINISHED" }>;
type Args = { context: TriggerContext; event: TriggerEvent };

/**
 * A TICK or FIRE as the fire it would start; a FIRE has no scheduled instant unless it
 * stands for a past tick (a backfill), which never moves `lastScheduledAt`.
 */
const fireOf = (event: FireEvent): FireRef => ({
  runId: event.runId,
  eventId: event.eventId,
  scheduledAt: event.type === "TICK" ? event.scheduledAt : (event.scheduledAt ?? null),
  payload: event.payload,
  ...(event.trace === undefined ? {} : { trace: event.trace }),
});

/** The instant a TICK/TICK_SKIPPED moves `lastScheduledAt` to; other events leave it. */
const scheduledAtOf = (event: TriggerEvent): number | null =>
  event.type === "TICK" || event.type === "TICK_SKIPPED" ? event.scheduledAt : null;

// Every assignment below that moves `lastScheduledAt` sits behind the `isNewTick`
// guard (or handles a FIRE, which has no instant), so "max(last, scheduledAt)" reduces
// to "the event's instant when it has one".
const advanceLastScheduledAt = ({ context, event }: Args): number | null =>
  scheduledAtOf(event) ?? context.lastScheduledAt;

/** A TICK/TICK_SKIPPED after `lastScheduledAt`. */
const isNewTick = (context: TriggerContext, event: TriggerEvent): boolean => {
  const at = scheduledAtOf(event);
  return at !== null && (context.lastScheduledAt === null || at > context.lastScheduledAt);
};

/** The fire of a TICK/FIRE event (the guards have checked the type). */
const newFire = ({ event }: Args): FireRef => fireOf(event as FireEvent);

/** The fire in flight a RUN_FINISHED ends (`endsInFlight` has checked it exists). */
const endedFire = (context: TriggerContext, event: TriggerEvent): FireRef =>
  context.inFlight.find((f) => f.runId === (event as FinishedEvent).runId) as FireRef;

/**
 * The status a run's end is recorded with: a run interrupted because `cancelOther`
 * cancelled it is `cancelled`; one that ended otherwise before it noticed keeps its own.
 */
const endedStatus = (context: TriggerContext, event: TriggerEvent): string => {
  const { runId, status } = event as FinishedEvent;
  return status === "interrupted" && context.cancelling.includes(runId) ? "cancelled" : status;
};

/** What `runEnded` reports: the run, its fire's ledger row, the status to record. */
const runEndedParams = (context: TriggerContext, event: TriggerEvent): RunEndedParams => {
  const fire = endedFire(context, event);
  return { runId: fire.runId, eventId: fire.eventId, status: endedStatus(context, event) };
};

/** The run in flight leaves: `inFlight`, `cancelling` and `lastRun` move. */
const withoutEnded = ({ context, event }: Args) => {
  const { runId } = event as FinishedEvent;
  return {
    inFlight: context.inFlight.filter((f) => f.runId !== runId),
    cancelling: context.cancelling.filter((id) => id !== runId),
    lastRun: { runId, status: endedStatus(context, event) },
  };
};

/** Has room for one more run beside those in flight (only `allowAll` runs several). */
const hasRoom = (context: TriggerContext, inFlight: number): boolean =>
  inFlight === 0 ||
  (context.overlap === "allowAll" &&
    (context.maxConcurrent === null || inFlight < context.maxConcurrent));

/** The machine's types, named actions and guards (the machine is built from it below). */
const machineSetup = setup({
  types: {
    context: {} as TriggerContext,
    events: {} as TriggerEvent,
    input: {} as TriggerInput,
  },
  actions: {
    /** Start the run of `params.fire` (its ledger and run rows are already committed). */
    startRun: (_args, _params: StartParams) => undefined,
    /** A TICK/FIRE came while firing and is not kept; the ledger records it as skipped. */
    recordOverlapSkip: (_args, _params: FireParams) => undefined,
    /** A TICK/FIRE came while firing and is kept as pending (`bufferOne`, `bufferAll`, `cancelOther`). */
    bufferTick: (_args, _params: FireParams) => undefined,
    /** A pending fire is discarded (deactivation, or a newer fire under `cancelOther`); recorded `cancelled`. */
    dropPending: (_args, _params: FireParams) => undefined,
    /** Interrupt the run in flight `params.runId` (`cancelOther`); its end is recorded `cancelled`. */
    cancelRun: (_args, _params: CancelParams) => undefined,
    /** The end of a run in flight was accepted. */
    runEnded: (_args, _params: RunEndedParams) => undefined,
  },
  guards: {
    /** A TICK/TICK_SKIPPED after `lastScheduledAt`: the machine's own double-fire guard. */
    isNewTick: ({ context, event }) => isNewTick(context, event),
    /** A FIRE, or a TICK after `lastScheduledAt`. */
    isNewFire: ({ context, event }) => event.type === "FIRE" || isNewTick(context, event),
    /** `allowAll` with room: the new fire starts beside the runs in flight. */
    canRunBeside: ({ context }) =>
      context.overlap === "allowAll" && hasRoom(context, context.inFlight.length),
    /** `bufferOne` keeps only the first fire that arrives while firing; `bufferAll` every one. */
    canBuffer: ({ context }) =>
      context.overlap === "bufferAll" ||
      (context.overlap === "bufferOne" && context.pending.length === 0),
    cancelsOther: ({ context }) => context.overlap === "cancelOther",
    /** Only the end of a run in flight counts; any other RUN_FINISHED is stale. */
    endsInFlight: ({ context, event }) =>
      event.type === "RUN_FINISHED" && context.inFlight.some((f) => f.runId === event.runId),
    /** After this end, the oldest pending fire has room to start. */
    startsPending: ({ context }) =>
      context.pending.length > 0 && hasRoom(context, context.inFlight.length - 1),
    /** This end leaves no run in flight. */
    endsLast: ({ context }) => context.inFlight.length === 1,
    hasPending: ({ context }) => context.pending.length > 0,
    hasInFlight: ({ context }) => context.inFlight.length > 0,
  },
});

/**
 * A TICK or FIRE while firing, by policy (the first branch whose guard holds). A FIRE
 * has no instant, so `isNewFire` always holds for it and `lastScheduledAt` stays.
 */
const overlapped = [
  {
    guard: and(["isNewFire", "canRunBeside"]),
    actions: [
      machineSetup.assign({
        inFlight: (args) => [...args.context.inFlight, newFire(args)],
        lastScheduledAt: advanceLastScheduledAt,
      }),
      { type: "startRun", params: (args: Args) => ({ fire: newFire(args), buffered: false }) },
    ],
  },
  {
    guard: and(["isNewFire", "canBuffer"]),
    actions: [
      machineSetup.assign({
        pending: (args) => [...args.context.pending, newFire(args)],
        lastScheduledAt: advanceLastScheduledAt,
      }),
      { type: "bufferTick", params: (args: Args) => ({ fire: newFire(args) }) },
    ],
  },
  {
    guard: and(["isNewFire", "cancelsOther"]),
    actions: [
      // Before the assign: the fires dropped and the runs cancelled are those of now.
      machineSetup.enqueueActions(({ context, enqueue }) => {
        for (const fire of context.pending) enqueue({ type: "dropPending", params: { fire } });
        for (const fire of context.inFlight) {
          if (context.cancelling.includes(fire.runId)) continue;
          enqueue({ type: "cancelRun", params: { runId: fire.runId } });
        }
      }),
      machineSetup.assign({
        pending: (args) => [newFire(args)],
        cancelling: ({ context }) => context.inFlight.map((f) => f.runId),
        lastScheduledAt: advanceLastScheduledAt,
      }),
      { type: "bufferTick", params: (args: Args) => ({ fire: newFire(args) }) },
    ],
  },
  {
    guard: "isNewFire",
    actions: [
      machineSetup.assign({ lastScheduledAt: advanceLastScheduledAt }),
      { type: "recordOverlapSkip", params: (args: Args) => ({ fire: newFire(args) }) },
    ],
  },
] as const;

/**
 * A trigger's context before its first event, from its input (the machine's `context`).
 *
 * @example
 * ```ts
 * initialTriggerContext({ name: "hourly" }).overlap; // "skip"
 * ```
 */
export function initialTriggerContext(input: TriggerInput): TriggerContext {
  return {
    name: input.name,
    overlap: input.overlap ?? "skip",
    maxConcurrent: input.maxConcurrent ?? null,
    lastScheduledAt: null,
    inFlight: [],
    pending: [],
    cancelling: [],
    lastRun: null,
  };
}

/**
 * The trigger machine. Pure: every transition depends only on the snapshot and the
 * event. The named actions (`startRun`, `recordOverlapSkip`, `bufferTick`,
 * `dropPending`, `cancelRun`, `runEnded`) do nothing by default; they say which side
 * effect a transition implies, and their `params` carry the data for it.
 *
 * Overlap, when a TICK or FIRE comes while firing: `skip` records it skipped; `bufferOne`
 * keeps the first (later ones are skipped) and `bufferAll` keeps every one, in
 * `pending`; `cancelOther` cancels every run in flight (`cancelRun`) and keeps the new
 * fire as the one pending fire (replacing, and dropping, an older one), started when the
 * cancelled runs have ended; `allowAll` starts it at once while fewer than
 * `maxConcurrent` runs are in flight, and skips it otherwise. When a run ends, the
 * oldest pending fire starts if there is room.
 *
 * `startRun` is a transition action, never an entry action of `firing`: re-activating
 * a disabled trigger whose run is still in flight enters `firing` without starting
 * anything, and restoring a snapshot in `firing` starts nothing either. The
 * supervisor resumes the runs in flight explicitly from `context.inFlight`.
 *
 * Named actions whose params come from the context (`runEnded`, `dropPending`,
 * `cancelRun`, a `startRun` of a pending fire) are placed before the context
 * assignment, so they report the fires as they were; implementations should read
 * `params`, never `info.context`.
 *
 * @example
 * ```ts
 * import { createActor } from "xstate";
 *
 * const live = triggerMachine.provide({
 *   actions: { startRun: (_args, { fire }) => console.log("start", fire.runId) },
 * });
 * const actor = createActor(live, { input: { name: "hourly" } }).start();
 * actor.send({ type: "ACTIVATE" });
 * actor.send({ type: "FIRE", runId: "r1", eventId: "e1", payload: null }); // start r1
 * ```
 */
export const triggerMachine = machineSetup.createMachine({
  id: "trigger",
  version: String(TRIGGER_MACHINE_VERSION),
  context: ({ input }) => initialTriggerContext(input),
  initial: "inactive",
  // The definition may change in any state; only the policy moves. Fires already kept
  // stay kept after a switch (the ledger has recorded them as buffered, and dropping them
  // silently would contradict it); runs in flight beyond a lowered `maxConcurrent` go on.
  on: {
    CONFIGURE: {
      actions: assign({
        overlap: ({ event }) => event.overlap,
        maxConcurrent: ({ context, event }) =>
          event.maxConcurrent === undefined ? context.maxConcurrent : event.maxConcurrent,
      }),
    },
  },
  // Events not listed in a state are ignored there: XState returns the same snapshot
  // and no actions. The table test pins every state × event outcome.
  states: {
    // Ignores TICK, TICK_SKIPPED, FIRE and RUN_FINISHED: nothing was ever started.
    inactive: {
      on: {
        ACTIVATE: { target: "active" },
        DEACTIVATE: { target: "disabled" },
      },
    },
    // Ignores ACTIVATE (already active) and RUN_FINISHED (no run in flight: stale).
    active: {
      on: {
        TICK: {
          guard: "isNewTick",
          target: "firing",
          actions: [
            assign({
              inFlight: (args) => [newFire(args)],
              lastScheduledAt: advanceLastScheduledAt,
            }),
            { type: "startRun", params: (args) => ({ fire: newFire(args), buffered: false }) },
          ],
        },
        FIRE: {
          target: "firing",
          actions: [
            assign({ inFlight: (args) => [newFire(args)] }),
            { type: "startRun", params: (args) => ({ fire: newFire(args), buffered: false }) },
          ],
        },
        TICK_SKIPPED: {
          guard: "isNewTick",
          actions: assign({ lastScheduledAt: advanceLastScheduledAt }),
        },
        DEACTIVATE: { target: "disabled" },
      },
    },
    // Ignores ACTIVATE. Transitions here are targetless, so `firing` is never exited
    // and re-entered while a run is in flight.
    firing: {
      on: {
        TICK: overlapped,
        FIRE: overlapped,
        TICK_SKIPPED: {
          guard: "isNewTick",
          actions: assign({ lastScheduledAt: advanceLastScheduledAt }),
        },
        RUN_FINISHED: [
          {
            // The oldest pending fire starts without leaving `firing`.
            guard: and(["endsInFlight", "startsPending"]),
            actions: [
              { type: "runEnded", params: ({ context, event }) => runEndedParams(context, event) },
              {
                type: "startRun",
                // The guard ensured a pending fire.
                params: ({ context }) => ({ fire: context.pending[0] as FireRef, buffered: true }),
              },
              assign((args) => {
                const { inFlight, ...rest } = withoutEnded(args);
                const [next, ...pending] = args.context.pending;
                return { ...rest, inFlight: [...inFlight, next as FireRef], pending };
              }),
            ],
          },
          {
            guard: and(["endsInFlight", "endsLast"]),
            target: "active",
            actions: [
              { type: "runEnded", params: ({ context, event }) => runEndedParams(context, event) },
              assign(withoutEnded),
            ],
          },
          {
            guard: "endsInFlight",
            actions: [
              { type: "runEnded", params: ({ context, event }) => runEndedParams(context, event) },
              assign(withoutEnded),
            ],
          },
        ],
        // The runs in flight are kept: they end by themselves and their RUN_FINISHED is
        // still accepted in `disabled`. Pending fires have not started, so they are dropped.
        DEACTIVATE: [
          {
            guard: "hasPending",
            target: "disabled",
            actions: [
              machineSetup.enqueueActions(({ context, enqueue }) => {
                for (const fire of context.pending)
                  enqueue({ type: "dropPending", params: { fire } });
              }),
              assign({ pending: [] }),
            ],
          },
          { target: "disabled" },
        ],
      },
    },
    // Ignores DEACTIVATE, TICK, TICK_SKIPPED and FIRE: a disabled trigger does not
    // fire and its schedule does not move (re-activation applies the catch-up policy).
    disabled: {
      on: {
        // Re-activated while runs still run: back to `firing`, starting nothing
        // (startRun is a transition action of fires only).
        ACTIVATE: [{ guard: "hasInFlight", target: "firing" }, { target: "active" }],
        RUN_FINISHED: {
          guard: "endsInFlight",
          actions: [
            { type: "runEnded", params: ({ context, event }) => runEndedParams(context, event) },
            assign(withoutEnded),
          ],
        },
      },
    },
  },
});

/**
 * A snapshot of the trigger machine.
 *
 * @example
 * ```ts
 * const snapshot: TriggerSnapshot = replayEvents({ name: "t" }, [{ type: "ACTIVATE" }]);
 * ```
 */
export type TriggerSnapshot = SnapshotFrom<typeof triggerMachine>;

const STATE_VALUES: readonly TriggerStateValue[] = ["inactive", "active", "firing", "disabled"];

/**
 * The state of a trigger snapshot, checked: also accepts a persisted snapshot read
 * back from storage, and throws a `RangeError` when its value is not one of this
 * machine's states (a snapshot from another machine version).
 *
 * @example
 * ```ts
 * const [snapshot] = initialTransition(triggerMachine, { name: "t" });
 * triggerStateOf(snapshot); // "inactive"
 * ```
 */
export function triggerStateOf(snapshot: { readonly value: unknown }): TriggerStateValue {
  const value = snapshot.value;
  const found = STATE_VALUES.find((state) => state === value);
  if (found === undefined) {
    throw new RangeError(`not a trigger machine state: ${JSON.stringify(value)}`);
  }
  return found;
}

/**
 * Folds a journal of events through the machine, from the initial state for `input`,
 * and returns the final snapshot. Pure: no action is executed. The result should equal
 * the stored snapshot; when it does not, the journal and the snapshot disagree.
 *
 * @example
 * ```ts
 * const snapshot = replayEvents({ name: "t" }, [
 *   { type: "ACTIVATE" },
 *   { type: "FIRE", runId: "r1", eventId: "e1", payload: null },
 * ]);
 * triggerStateOf(snapshot); // "firing"
 * ```
 */
export function replayEvents(input: TriggerInput, events: Iterable<TriggerEvent>): TriggerSnapshot {
  let [snapshot] = initialTransition(triggerMachine, input);
  for (const event of events) {
    [snapshot] = transition(triggerMachine, snapshot, event);
  }
  return snapshot;
}
