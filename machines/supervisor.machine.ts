/**
 * The supervisor's own lifecycle: one XState 5 machine per `TriggerManager`, a pure
 * reducer like the trigger machine.
 *
 * stopped → starting → standby | leading | member → stopping → stopped.
 *
 * - `starting`: `start()` is connecting, migrating, trying the database lease or taking
 *   its first share of the triggers.
 * - `standby`: another supervisor holds the database lease; this one waits for it.
 * - `leading`: holds the database lease (at `context.epoch`) and fires every trigger.
 * - `member`: shares the triggers with other supervisors, each under its own lease.
 * - `stopping`: `stop()` is letting runs finish, interrupting them, releasing leases.
 *
 * It has no timers, no clock and no I/O. The supervisor sends what happened (a lease
 * won or lost, `stop()` called) and reads the state back; the named actions say which
 * side effect a transition implies (`lead`, `stepDown`, `beginStop`), with no-op
 * defaults, so the table test pins every outcome.
 *
 * `stop()` during `starting` is recorded (`stopRequested`) and honoured the moment the
 * start settles: the lease won then goes straight to `stopping` (and is released), so a
 * `stop()` that raced `start()` never leaves a leader or a member behind it.
 *
 * @example
 * ```ts
 * import { initialTransition, transition } from "xstate";
 * import { supervisorMachine } from "./supervisor.machine.js";
 *
 * let [s] = initialTransition(supervisorMachine, { mode: "database" });
 * [s] = transition(supervisorMachine, s, { type: "START" });
 * [s] = transition(supervisorMachine, s, { type: "LEASE_WON", epoch: 3 });
 * s.value; // "leading"
 * ```
 *
 * @module
 */
import { assign, type SnapshotFrom, setup } from "xstate";

/**
 * The states of a supervisor.
 *
 * @example
 * ```ts
 * const state: SupervisorStateValue = "standby";
 * ```
 */
export type SupervisorStateValue =
  | "stopped"
  | "starting"
  | "standby"
  | "leading"
  | "member"
  | "stopping";

/**
 * The machine's extended state.
 *
 * @example
 * ```ts
 * const ctx: SupervisorContext = {
 *   mode: "database", epoch: 3, holder: "me", stopRequested: false, reachable: true,
 * };
 * ```
 */
export interface SupervisorContext {
  /** `database`: one leader, others standby; `trigger`: shared, one lease per trigger. */
  readonly mode: "database" | "trigger";
  /**
   * The database lease epoch held: set in `leading`, kept into `stopping` (it is released
   * there), cleared when the lease is lost or released.
   */
  readonly epoch: number | undefined;
  /** Who holds the database lease, as last read. */
  readonly holder: string | undefined;
  /** `stop()` came while `starting`: the start ends in `stopping`. */
  readonly stopRequested: boolean;
  /** Whether the store answered the last time it was asked. */
  readonly reachable: boolean;
}

/**
 * What the supervisor passes to start its machine.
 *
 * @example
 * ```ts
 * const input: SupervisorInput = { mode: "trigger" };
 * ```
 */
export interface SupervisorInput {
  readonly mode: "database" | "trigger";
}

/**
 * Every event the machine accepts.
 *
 * @example
 * ```ts
 * const won: SupervisorEvent = { type: "LEASE_WON", epoch: 4, holder: "me" };
 * ```
 */
export type SupervisorEvent =
  /** `start()` was called. */
  | { readonly type: "START" }
  /** The database lease was taken (free, expired, or its holder's process is gone). */
  | { readonly type: "LEASE_WON"; readonly epoch: number; readonly holder?: string }
  /** Another supervisor holds the database lease (`holder` unknown when the try failed). */
  | { readonly type: "LEASE_HELD"; readonly holder?: string }
  /** Shared triggers: the supervisor joined the others (its first heartbeat follows). */
  | { readonly type: "JOINED" }
  /** `start()` failed (the store did not answer, the first heartbeat failed). */
  | { readonly type: "START_FAILED" }
  /** A commit or a heartbeat found the database lease taken by another supervisor. */
  | { readonly type: "LEASE_LOST" }
  | { readonly type: "STORE_UNREACHABLE" }
  | { readonly type: "STORE_REACHABLE" }
  /** `stop()` was called. */
  | { readonly type: "STOP" }
  /** Every run ended or was recorded interrupted, and the leases were released. */
  | { readonly type: "STOPPED" };

/** The parameters of `lead`. */
interface LeadParams {
  readonly epoch: number;
}

type LeaseWon = Extract<SupervisorEvent, { type: "LEASE_WON" }>;

const epochOf = ({ event }: { event: SupervisorEvent }): number | undefined =>
  event.type === "LEASE_WON" ? event.epoch : undefined;

const holderOf = ({
  context,
  event,
}: {
  context: SupervisorContext;
  event: SupervisorEvent;
}): string | undefined =>
  event.type === "LEASE_HELD" || event.type === "LEASE_WON"
    ? (event.holder ?? context.holder)
    : context.holder;

// Every way into `stopping`; the epoch to release stays in the context until STOPPED.
const toStopping = { target: "stopping", actions: "beginStop" } as const;

/**
 * The supervisor lifecycle machine. Pure: every transition depends only on the snapshot
 * and the event; the named actions (`lead`, `stepDown`, `beginStop`) do nothing by
 * default and tell the supervisor what the transition implies.
 *
 * @example
 * ```ts
 * import { transition } from "xstate";
 * const [next, actions] = transition(supervisorMachine, leading, { type: "STOP" });
 * next.value; // "stopping"
 * actions.map((a) => a.type); // ["beginStop"]
 * ```
 */
export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actions: {
    /** Restore the triggers, resume their runs, arm the timer and the heartbeat. */
    lead: (_args, _params: LeadParams) => undefined,
    /** Stop firing at once; abandon runs without recording their end; wait as standby. */
    stepDown: () => undefined,
    /**
     * No new fires; let runs finish for the grace, interrupt them, release the leases
     * (the database lease at `context.epoch`, if any).
     */
    beginStop: () => undefined,
  },
  guards: {
    stopRequested: ({ context }) => context.stopRequested,
    shared: ({ context }) => context.mode === "trigger",
  },
}).createMachine({
  id: "supervisor",
  context: ({ input }) => ({
    mode: input.mode,
    epoch: undefined,
    holder: undefined,
    stopRequested: false,
    reachable: true,
  }),
  initial: "stopped",
  // Reachability is news in any state; it never moves the state by itself (a lease that
  // expires while the store is away is found out, and lost, when it answers again).
  on: {
    STORE_UNREACHABLE: { actions: assign({ reachable: false }) },
    STORE_REACHABLE: { actions: assign({ reachable: true }) },
  },
  // Events not listed in a state are ignored there (same snapshot, no actions); the
  // table test pins every state × event outcome.
  states: {
    stopped: {
      on: {
        START: { target: "starting", actions: assign({ stopRequested: false }) },
      },
    },
    starting: {
      on: {
        // Recorded, not acted on: start() is mid-way (a lease acquire in flight); the
        // outcome below goes to stopping instead of serving.
        STOP: { actions: assign({ stopRequested: true }) },
        START_FAILED: { target: "stopped", actions: assign({ stopRequested: false }) },
        LEASE_WON: [
          {
            guard: "stopRequested",
            target: "stopping",
            actions: [assign({ epoch: epochOf, holder: holderOf }), "beginStop"],
          },
          {
            target: "leading",
            actions: [
              assign({ epoch: epochOf, holder: holderOf }),
              { type: "lead", params: ({ event }) => ({ epoch: (event as LeaseWon).epoch }) },
            ],
          },
        ],
        LEASE_HELD: [
          { guard: "stopRequested", ...toStopping },
          { target: "standby", actions: assign({ holder: holderOf }) },
        ],
        JOINED: [
          { guard: "stopRequested", ...toStopping },
          { guard: "shared", target: "member" },
        ],
      },
    },
    standby: {
      on: {
        LEASE_WON: {
          target: "leading",
          actions: [
            assign({ epoch: epochOf, holder: holderOf }),
            { type: "lead", params: ({ event }) => ({ epoch: (event as LeaseWon).epoch }) },
          ],
        },
        LEASE_HELD: { actions: assign({ holder: holderOf }) },
        STOP: toStopping,
      },
    },
    leading: {
      on: {
        LEASE_LOST: {
          target: "standby",
          actions: [assign({ epoch: undefined, holder: undefined }), "stepDown"],
        },
        STOP: toStopping,
      },
    },
    member: {
      on: {
        // The first heartbeat of a shared supervisor failed: start() rejects.
        START_FAILED: { target: "stopped" },
        STOP: toStopping,
      },
    },
    stopping: {
      // The request, if any, is being honoured now.
      entry: assign({ stopRequested: false }),
      on: {
        // A lease attempt that was in flight when stop() began came back with the lease:
        // it is kept only to be released by this stop.
        LEASE_WON: { actions: assign({ epoch: epochOf, holder: holderOf }) },
        // The lease went to another supervisor during the grace: nothing to release.
        LEASE_LOST: { actions: assign({ epoch: undefined }) },
        STOPPED: { target: "stopped", actions: assign({ epoch: undefined, stopRequested: false }) },
      },
    },
  },
});

/**
 * A snapshot of the supervisor machine.
 *
 * @example
 * ```ts
 * const [snapshot] = initialTransition(supervisorMachine, { mode: "database" });
 * const s: SupervisorSnapshot = snapshot;
 * ```
 */
export type SupervisorSnapshot = SnapshotFrom<typeof supervisorMachine>;

/**
 * The state of a supervisor snapshot as its string value.
 *
 * @example
 * ```ts
 * supervisorStateOf(snapshot); // "stopped"
 * ```
 */
export function supervisorStateOf(snapshot: SupervisorSnapshot): SupervisorStateValue {
  return snapshot.value as SupervisorStateValue;
}
