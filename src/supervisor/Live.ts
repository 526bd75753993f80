import type { Actor } from "xstate";
import {
  type TriggerSnapshot,
  type TriggerStateValue,
  type triggerMachine,
  triggerStateOf,
} from "../../machines/trigger.machine.js";
import type { FireContext, FireKind } from "../dag/NodeContext.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import type { DagRunResult } from "../run/DagRunner.js";

/** An owed tick: fired, or recorded missed with the reason. */
export interface BacklogEntry {
  readonly tick: number;
  readonly fire: boolean;
  readonly reason: string;
}

/** A run this supervisor started (or resumed) and has not seen end yet. */
export interface RunInFlight {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/**
 * Everything the supervisor keeps for one activated trigger: its machine snapshot, its
 * owed ticks, its runs in flight and the callers waiting for them.
 *
 * @example
 * ```ts
 * const live = newLive("hourly", definition, snapshot, { activatedAt: 0, since: 0, epoch: undefined });
 * ```
 */
export interface Live {
  readonly name: string;
  /** Per-trigger leases: the epoch held when this Live was restored; fences its commits. */
  epoch: number | undefined;
  /** Ticks due before this instant were missed while nobody fired the trigger. */
  since: number;
  /** The trigger was given up (lease lost or released): this Live must write nothing more. */
  lost: boolean;
  definition: TriggerDefinition | undefined;
  snapshot: TriggerSnapshot;
  /** When the trigger was last activated: ticks before it are not owed. */
  activatedAt: number;
  /** Owed ticks in time order, worked through one at a time (catch-up, late ticks). */
  readonly backlog: BacklogEntry[];
  /** A backlog tick is being fired: the next waits for its run to end. */
  draining: boolean;
  /**
   * The latest tick handed to the scheduler's `tick`, stepped or not yet: a slow poll (or
   * a queued step) leaves `lastScheduledAt` behind it, and owed ticks must start after it,
   * or the same tick is recorded twice (the second refused by the unique key).
   */
  tickedUpTo: number;
  /**
   * The first tick owed again because its ledger write failed (a lock, a full disk), until
   * the next wake plans it: such ticks are owed, not merely late, so catch-up `all` fires
   * each of them. `+Infinity` when none is.
   */
  owedAgainFrom: number;
  /** A poll of this trigger is pending: at most one at a time (later ticks wait for it). */
  polling: boolean;
  /** The trigger came due while its poll was pending: planned when the poll settles. */
  dueWhilePolling: boolean;
  /** Per-trigger order: every event of a trigger is stepped after the previous one. */
  chain: Promise<void>;
  /**
   * The kind of each fire stepped whose run has not started yet, by event id: written to
   * its ledger row, from which a run started later (or resumed) reads it back.
   */
  readonly kinds: Map<string, FireKind>;
  /** The key of each idempotent push being stepped, by event id: for its ledger row. */
  readonly keys: Map<string, string>;
  /** The backfill of each backfill fire being stepped, by event id: for its ledger row. */
  readonly backfillIds: Map<string, string>;
  readonly runs: Map<string, RunInFlight>;
  /** How many runs are in flight: `runs.size`, without making the map of an idle trigger. */
  readonly runCount: number;
  readonly waiters: Map<
    string,
    { readonly resolve: (r: DagRunResult) => void; readonly reject: (e: unknown) => void }
  >;
  /** Why the last run failed, for its ledger row. */
  readonly runErrors: Map<string, string>;
  /**
   * The poll cursor as last committed (`ctx.cursor`): moved only after the commit that
   * stores it landed, so it never runs ahead of the disk.
   */
  cursor: unknown;
  /**
   * Scheduled fires made against `maxFires` as last committed: moved only after the
   * commit that counts them landed (the same commit as their ledger rows).
   */
  firesUsed: number;
  /** Set when the stored state could not be restored: reported, never fired. */
  broken: unknown;
  /** With the `inspect` option: a live XState actor mirroring the committed state. */
  inspector: Actor<typeof triggerMachine> | undefined;
}

/** The chain of a trigger with no step queued: one settled promise shared by all. */
export const SETTLED: Promise<void> = Promise.resolve();

/**
 * A trigger's `Live`. Its per-fire maps are made on first use: an idle trigger (most of
 * 10,000) never fires from this process between restarts, and five empty maps cost
 * ~1 KB of heap each time, about 40 % of what an idle trigger holds.
 */
class LiveState implements Live {
  readonly name: string;
  epoch: number | undefined;
  since: number;
  lost = false;
  definition: TriggerDefinition | undefined;
  snapshot: TriggerSnapshot;
  activatedAt: number;
  readonly backlog: BacklogEntry[] = [];
  draining = false;
  tickedUpTo = Number.NEGATIVE_INFINITY;
  owedAgainFrom = Number.POSITIVE_INFINITY;
  polling = false;
  dueWhilePolling = false;
  chain: Promise<void> = SETTLED;
  cursor: unknown = undefined;
  firesUsed = 0;
  broken: unknown = undefined;
  inspector: Actor<typeof triggerMachine> | undefined = undefined;
  #kinds: Map<string, FireKind> | undefined;
  #keys: Map<string, string> | undefined;
  #backfillIds: Map<string, string> | undefined;
  #runs: Map<string, RunInFlight> | undefined;
  #waiters: Live["waiters"] | undefined;
  #runErrors: Map<string, string> | undefined;

  constructor(
    name: string,
    definition: TriggerDefinition | undefined,
    snapshot: TriggerSnapshot,
    at: {
      readonly activatedAt: number;
      readonly since: number;
      readonly epoch: number | undefined;
    },
  ) {
    this.name = name;
    this.epoch = at.epoch;
    this.since = at.since;
    this.definition = definition;
    this.snapshot = snapshot;
    this.activatedAt = at.activatedAt;
  }

  /** No per-fire map holds anything (made or not). */
  noFireState(): boolean {
    const maps: readonly ({ readonly size: number } | undefined)[] = [
      this.#kinds,
      this.#keys,
      this.#backfillIds,
      this.#runs,
      this.#waiters,
      this.#runErrors,
    ];
    return maps.every((map) => map === undefined || map.size === 0);
  }

  get kinds(): Map<string, FireKind> {
    this.#kinds ??= new Map();
    return this.#kinds;
  }

  get keys(): Map<string, string> {
    this.#keys ??= new Map();
    return this.#keys;
  }

  get backfillIds(): Map<string, string> {
    this.#backfillIds ??= new Map();
    return this.#backfillIds;
  }

  get runCount(): number {
    return this.#runs?.size ?? 0;
  }

  get runs(): Map<string, RunInFlight> {
    this.#runs ??= new Map();
    return this.#runs;
  }

  get waiters(): Live["waiters"] {
    this.#waiters ??= new Map();
    return this.#waiters;
  }

  get runErrors(): Map<string, string> {
    this.#runErrors ??= new Map();
    return this.#runErrors;
  }
}

/**
 * A fresh `Live` for a trigger.
 *
 * @example
 * ```ts
 * const live = newLive("t", undefined, snapshot, { activatedAt: 0, since: 0, epoch: undefined });
 * ```
 */
export function newLive(
  name: string,
  definition: TriggerDefinition | undefined,
  snapshot: TriggerSnapshot,
  at: { readonly activatedAt: number; readonly since: number; readonly epoch: number | undefined },
): Live {
  return new LiveState(name, definition, snapshot, at);
}

/**
 * Whether a trigger with `maxFires` has made them all: its schedule has ended (no next
 * tick), as one past its `endAt` has.
 *
 * @example
 * ```ts
 * if (firesExhausted(live)) return; // no more scheduled fires
 * ```
 */
export function firesExhausted(live: Pick<Live, "definition" | "firesUsed">): boolean {
  const max = live.definition?.maxFires;
  return max !== undefined && live.firesUsed >= max;
}

/**
 * The machine state of a trigger.
 *
 * @example
 * ```ts
 * if (stateOf(live) === "firing") console.log("a run is in flight");
 * ```
 */
export const stateOf = (live: Live): TriggerStateValue => triggerStateOf(live.snapshot);

/**
 * Runs `task` after every earlier task of this trigger (per-trigger order).
 *
 * @example
 * ```ts
 * await serial(live, () => step(live, { type: "ACTIVATE" }));
 * ```
 */
export function serial<T>(live: Live, task: () => Promise<T>): Promise<T> {
  const result = live.chain.then(task);
  // Once the last task queued has settled, the chain is the shared settled promise again:
  // an idle trigger keeps no promise of its own, and `untouched` can tell it is idle.
  const settle = () => {
    if (live.chain === chain) live.chain = SETTLED;
  };
  const chain: Promise<void> = result.then(settle, settle);
  live.chain = chain;
  return result;
}

/**
 * Whether a `Live` holds nothing but what its stored row says: no step queued, no tick
 * owed or polled, no fire, run or caller of this process's in it, not given up, not
 * broken, not mirrored by an inspector. Such a `Live` equals the one a restore from an
 * unchanged row would build (see `TriggerLoader.loadFrom`).
 *
 * @example
 * ```ts
 * if (untouched(live)) keep(live);
 * ```
 */
export function untouched(live: Live): boolean {
  return (
    live instanceof LiveState &&
    live.chain === SETTLED &&
    !live.lost &&
    live.broken === undefined &&
    live.inspector === undefined &&
    live.backlog.length === 0 &&
    !live.draining &&
    !live.polling &&
    !live.dueWhilePolling &&
    live.tickedUpTo === Number.NEGATIVE_INFINITY &&
    live.owedAgainFrom === Number.POSITIVE_INFINITY &&
    live.noFireState()
  );
}

/**
 * Rejects and forgets the caller waiting on `runId`, if any.
 *
 * @example
 * ```ts
 * rejectWaiter(live, fire.runId, new TriggerBusy({ name, eventId }));
 * ```
 */
export function rejectWaiter(live: Live, runId: string, error: unknown): void {
  live.waiters.get(runId)?.reject(error);
  live.waiters.delete(runId);
}

/**
 * The kind of a scheduled tick: `catchUp` when it fell due while nobody fired the trigger
 * (at or before `since`, the rule the catch-up policy applies), else `tick`.
 *
 * @example
 * ```ts
 * live.kinds.set(eventId, tickKind(live, scheduledAt));
 * ```
 */
export const tickKind = (live: Live, tick: number): FireKind =>
  tick <= live.since ? "catchUp" : "tick";

/**
 * The fire context of a run, from what its ledger row holds.
 *
 * @example
 * ```ts
 * fireContext(live.name, fire.eventId, fire.scheduledAt, now, "tick");
 * ```
 */
export function fireContext(
  trigger: string,
  eventId: string,
  scheduledAt: number | null,
  firedAt: number,
  kind: FireKind | undefined,
): FireContext {
  return {
    trigger,
    eventId,
    scheduledAt: scheduledAt === null ? null : new Date(scheduledAt),
    firedAt: new Date(firedAt),
    kind,
  };
}
