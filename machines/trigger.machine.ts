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
export const TRIGGER_MACHINE_VERSION = 1;

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

/** The parameters of `runEnded`. */
interface RunEndedParams {
  readonly runId: string;
  readonly status: string;
}

type FireEvent = Extract<TriggerEvent, { type: "TICK" | "FIRE" }>;

/** A TICK or FIRE as the fire it would start; a FIRE has no scheduled instant. */
const fireOf = (event: FireEvent): FireRef => ({
  runId: event.runId,
  eventId: event.eventId,
  scheduledAt: event.type === "TICK" ? event.scheduledAt : null,
  payload: event.payload,
  ...(event.trace === undefined ? {} : { trace: event.trace }),
});

/** The instant a TICK/TICK_SKIPPED moves `lastScheduledAt` to; other events leave it. */
const scheduledAtOf = (event: TriggerEvent): number | null =>
  event.type === "TICK" || event.type === "TICK_SKIPPED" ? event.scheduledAt : null;

// Every assignment below that moves `lastScheduledAt` sits behind the `isNewTick`
// guard (or handles a FIRE, which has no instant), so "max(last, scheduledAt)" reduces
// to "the event's instant when it has one".
const advanceLastScheduledAt = ({
  context,
  event,
}: {
  context: TriggerContext;
  event: TriggerEvent;
}): number | null => scheduledAtOf(event) ?? context.lastScheduledAt;

/**
 * The trigger machine. Pure: every transition depends only on the snapshot and the
 * event. The named actions (`startRun`, `recordOverlapSkip`, `bufferTick`,
 * `dropPending`, `runEnded`) do nothing by default; they say which side effect a
 * transition implies, and their `params` carry the data for it.
 *
 * `startRun` is a transition action, never an entry action of `firing`: re-activating
 * a disabled trigger whose run is still in flight enters `firing` without starting
 * anything, and restoring a snapshot in `firing` starts nothing either. The
 * supervisor resumes an in-flight run explicitly from `context.inFlight`.
 *
 * Named actions are placed after the context assignment, so their `info.context` is
 * the context after the transition (for `startRun`, `context.inFlight` is the fire);
 * `dropPending` is the exception, placed before, because the pending fire it reports
 * is gone afterwards. Implementations should prefer `params`.
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
export const triggerMachine = setup({
  types: {
    context: {} as TriggerContext,
    events: {} as TriggerEvent,
    input: {} as TriggerInput,
  },
  actions: {
    /** Start the run of `params.fire` (its ledger and run rows are already committed). */
    startRun: (_args, _params: FireParams) => undefined,
    /** A TICK/FIRE came while firing and is not kept; the ledger records it as skipped. */
    recordOverlapSkip: (_args, _params: FireParams) => undefined,
    /** A TICK/FIRE came while firing and is kept as `pending` (`bufferOne`). */
    bufferTick: (_args, _params: FireParams) => undefined,
    /** Deactivation discarded the pending fire; the ledger records it as dropped. */
    dropPending: (_args, _params: FireParams) => undefined,
    /** The in-flight run's end was accepted. */
    runEnded: (_args, _params: RunEndedParams) => undefined,
  },
  guards: {
    /** A TICK/TICK_SKIPPED after `lastScheduledAt`: the machine's own double-fire guard. */
    isNewTick: ({ context, event }) => {
      const at = scheduledAtOf(event);
      return at !== null && (context.lastScheduledAt === null || at > context.lastScheduledAt);
    },
    /** `bufferOne` keeps only the first fire that arrives while firing. */
    canBuffer: ({ context }) => context.overlap === "bufferOne" && context.pending === null,
    /** Only the end of the run in flight counts; any other RUN_FINISHED is stale. */
    endsInFlight: ({ context, event }) =>
      event.type === "RUN_FINISHED" && context.inFlight?.runId === event.runId,
    hasPending: ({ context }) => context.pending !== null,
    hasInFlight: ({ context }) => context.inFlight !== null,
  },
}).createMachine({
  id: "trigger",
  version: String(TRIGGER_MACHINE_VERSION),
  context: ({ input }) => ({
    name: input.name,
    overlap: input.overlap ?? "skip",
    lastScheduledAt: null,
    inFlight: null,
    pending: null,
    lastRun: null,
  }),
  initial: "inactive",
  // The definition may change in any state; only the policy moves. A fire already
  // buffered under `bufferOne` stays buffered after a switch to `skip`: the ledger has
  // recorded it as kept, and dropping it silently would contradict the ledger.
  on: {
    CONFIGURE: { actions: assign({ overlap: ({ event }) => event.overlap }) },
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
              inFlight: ({ event }) => fireOf(event),
              lastScheduledAt: advanceLastScheduledAt,
            }),
            { type: "startRun", params: ({ event }) => ({ fire: fireOf(event) }) },
          ],
        },
        FIRE: {
          target: "firing",
          actions: [
            assign({ inFlight: ({ event }) => fireOf(event) }),
            { type: "startRun", params: ({ event }) => ({ fire: fireOf(event) }) },
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
        TICK: [
          {
            guard: and(["isNewTick", "canBuffer"]),
            actions: [
              assign({
                pending: ({ event }) => fireOf(event),
                lastScheduledAt: advanceLastScheduledAt,
              }),
              { type: "bufferTick", params: ({ event }) => ({ fire: fireOf(event) }) },
            ],
          },
          {
            guard: "isNewTick",
            actions: [
              assign({ lastScheduledAt: advanceLastScheduledAt }),
              { type: "recordOverlapSkip", params: ({ event }) => ({ fire: fireOf(event) }) },
            ],
          },
        ],
        FIRE: [
          {
            guard: "canBuffer",
            actions: [
              assign({ pending: ({ event }) => fireOf(event) }),
              { type: "bufferTick", params: ({ event }) => ({ fire: fireOf(event) }) },
            ],
          },
          {
            actions: {
              type: "recordOverlapSkip",
              params: ({ event }) => ({ fire: fireOf(event) }),
            },
          },
        ],
        TICK_SKIPPED: {
          guard: "isNewTick",
          actions: assign({ lastScheduledAt: advanceLastScheduledAt }),
        },
        RUN_FINISHED: [
          {
            // The pending fire becomes the run in flight without leaving `firing`.
            guard: and(["endsInFlight", "hasPending"]),
            actions: [
              assign({
                inFlight: ({ context }) => context.pending,
                pending: null,
                lastRun: ({ event }) => ({ runId: event.runId, status: event.status }),
              }),
              {
                type: "runEnded",
                params: ({ event }) => ({ runId: event.runId, status: event.status }),
              },
              {
                type: "startRun",
                // The guard ensured a pending fire, which the assign moved to inFlight.
                params: ({ context }) => ({ fire: context.inFlight as FireRef }),
              },
            ],
          },
          {
            guard: "endsInFlight",
            target: "active",
            actions: [
              assign({
                inFlight: null,
                lastRun: ({ event }) => ({ runId: event.runId, status: event.status }),
              }),
              {
                type: "runEnded",
                params: ({ event }) => ({ runId: event.runId, status: event.status }),
              },
            ],
          },
        ],
        // The run in flight is kept: it ends by itself and its RUN_FINISHED is still
        // accepted in `disabled`. A pending fire has not started, so it is dropped.
        DEACTIVATE: [
          {
            guard: "hasPending",
            target: "disabled",
            actions: [
              {
                type: "dropPending",
                params: ({ context }) => ({ fire: context.pending as FireRef }),
              },
              assign({ pending: null }),
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
        // Re-activated while its last run still runs: back to `firing`, starting
        // nothing (startRun is a transition action of fires only).
        ACTIVATE: [{ guard: "hasInFlight", target: "firing" }, { target: "active" }],
        RUN_FINISHED: {
          guard: "endsInFlight",
          actions: [
            assign({
              inFlight: null,
              lastRun: ({ event }) => ({ runId: event.runId, status: event.status }),
            }),
            {
              type: "runEnded",
              params: ({ event }) => ({ runId: event.runId, status: event.status }),
            },
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
