import { randomUUID } from "node:crypto";
import * as Either from "effect/Either";
import * as Layer from "effect/Layer";
import * as ParseResult from "effect/ParseResult";
import { type Actor, createActor, type InspectionEvent } from "xstate";
import {
  type FireRef,
  TRIGGER_MACHINE_VERSION,
  type TriggerEvent,
  type TriggerSnapshot,
  triggerMachine,
  triggerStateOf,
} from "../../machines/trigger.machine.js";
import type { TriggerStateValue } from "../../machines/trigger.types.js";
import type { Dag } from "../dag/Dag.js";
import type { RunLookup, TriggerInspection } from "../inspect/inspect.js";
import { InvalidTriggerDefinition, TriggerNotFound } from "../namespace/errors.js";
import type { Namespace } from "../namespace/Namespace.js";
import { nearest } from "../namespace/nearest.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import { NullProvenance } from "../provenance/NullProvenance.js";
import { Provenance, type WriteGuard } from "../provenance/Provenance.js";
import { DagRunner, type DagRunResult, type ProvenanceProvider } from "../run/DagRunner.js";
import { RunNotFound, RunNotRestartable } from "../run/errors.js";
import type { Logger } from "../run/Logger.js";
import { type Clock, SystemClock } from "../schedule/Clock.js";
import { ticksBetween } from "../schedule/Schedule.js";
import { isDatabaseUnreachable } from "../store/errors.js";
import { LeaseLost } from "../trigger/LeaseLost.js";
import type { StoredActivation, TriggerCommand } from "../trigger/records.js";
import type { Fence, HeldLease, TriggerLease } from "../trigger/TriggerBackend.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";
import type { TriggerWrite } from "../trigger/TriggerWrite.js";
import {
  ManagerAlreadyStarted,
  NotLeader,
  NotOwner,
  PayloadInvalid,
  PollFailed,
  SnapshotIncompatible,
  TriggerBusy,
  TriggerNotActive,
} from "./errors.js";
import type { FaultHook, FaultStep } from "./FaultStep.js";
import { GroupCommit } from "./GroupCommit.js";
import { MachineStepper } from "./MachineStepper.js";
import { TimerQueue } from "./TimerQueue.js";

/**
 * What the manager reports as it works: one entry per fire, end, skip or failure.
 *
 * @example
 * ```ts
 * new TriggerManager({ namespace, store, onEvent: (e) => console.log(e.trigger, e.kind, e.runId) });
 * ```
 */
export interface ManagerEvent {
  readonly trigger: string;
  readonly kind:
    | "fired"
    | "finished"
    | "skipped_overlap"
    | "buffered"
    | "poll_empty"
    | "poll_failed"
    | "missed"
    | "resumed";
  readonly at: Date;
  readonly scheduledAt?: Date;
  readonly runId?: string;
  readonly status?: string;
  readonly error?: string;
}

/**
 * Options of a `TriggerManager`.
 *
 * @example
 * ```ts
 * new TriggerManager({ namespace: ns, store, provenance, clock: new TestClock(0) });
 * ```
 */
export interface TriggerManagerOptions {
  readonly namespace: Namespace;
  readonly store: TriggerStore;
  /** Where DAG runs are recorded (default `NullProvenance`). */
  readonly provenance?: ProvenanceProvider;
  /** The only source of time (default: the system clock). */
  readonly clock?: Clock;
  /** Called for each fire, end, skip and failure. */
  readonly onEvent?: (event: ManagerEvent) => void;
  /** Called with errors that do not belong to a caller (a failed commit, a bad snapshot). */
  readonly onError?: (error: unknown, trigger: string | undefined) => void;
  /** Identifies this supervisor in the store (default: a random id). */
  readonly ownerId?: string;
  /** How long a lease lasts without a heartbeat (default 15 000 ms; renewed every third). */
  readonly leaseMs?: number;
  /**
   * `database`: one supervisor fires every trigger, others wait as standbys (the default
   * on SQLite). `trigger`: each trigger has its own lease and the live supervisors share
   * the triggers, each claiming a fair share (the default on PostgreSQL).
   */
  readonly leases?: "database" | "trigger";
  /** Called at each step of the fire path: a testing aid (see `tickflow/testing`). */
  readonly faults?: FaultHook;
  /** Structured log lines (a pino logger fits); nothing is logged without one. */
  readonly logger?: Logger;
  /**
   * XState's inspection events for every trigger machine, as `createActor`'s `inspect`
   * option gives them (e.g. `createBrowserInspector().inspect` from `@statelyai/inspect`).
   * A method, so that a function typed with xstate's own `InspectionEvent` fits too.
   */
  inspect?(event: MachineInspectionEvent): void;
}

/**
 * An XState inspection event (`@xstate.snapshot`, `@xstate.event`, ...): xstate's
 * `InspectionEvent` as far as tickflow's public types name it. Declared here rather
 * than imported, so that tickflow's declarations load none of xstate's (which do not
 * check in a project with `exactOptionalPropertyTypes` and `skipLibCheck: false`).
 *
 * @example
 * ```ts
 * const inspect = (event: MachineInspectionEvent) => console.log(event.type, event.rootId);
 * ```
 */
export interface MachineInspectionEvent {
  readonly type: `@xstate.${string}`;
  readonly rootId: string;
  readonly actorRef: unknown;
}

/**
 * Who this supervisor is for its database.
 *
 * @example
 * ```ts
 * manager.status(); // { role: "leader", ownerId: "…", epoch: 3, holder: "…" }
 * ```
 */
export interface ManagerStatus {
  /**
   * `leader` fires every trigger (database lease); `standby` waits for that lease;
   * `member` shares the triggers with other supervisors and fires the ones it owns
   * (per-trigger leases); `stopped` is none of these.
   */
  readonly role: "leader" | "standby" | "member" | "stopped";
  readonly ownerId: string;
  /** `database` (one leader) or `trigger` (shared, per-trigger leases). */
  readonly leases: "database" | "trigger";
  /** The database lease epoch this supervisor holds, when leader. */
  readonly epoch: number | undefined;
  /** The database lease holder as last read (database leases). */
  readonly holder: string | undefined;
  /** The triggers this supervisor owns (every trigger when leader). */
  readonly owned: readonly string[];
  /**
   * Who owns each trigger, as this supervisor last read the leases (its heartbeat);
   * a trigger missing here has no owner yet.
   */
  readonly owners: Readonly<Record<string, string>>;
}

/**
 * Options of `stop`.
 *
 * @example
 * ```ts
 * await manager.stop({ graceMs: 5_000 });
 * ```
 */
export interface StopOptions {
  /** How long runs in flight may finish before they are interrupted (default 10 000 ms). */
  readonly graceMs?: number;
}

/** Everything the manager keeps for one activated trigger. */
interface Live {
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
   * The latest tick handed to `#tick`, stepped or not yet: a slow poll (or a queued step)
   * leaves `lastScheduledAt` behind it, and owed ticks must start after it, or the same
   * tick is recorded twice (the second refused by the unique key, failing its batch).
   */
  tickedUpTo: number;
  /** Per-trigger order: every event of a trigger is stepped after the previous one. */
  chain: Promise<void>;
  /** Fires kept as `buffered` in the ledger (their row exists). */
  readonly buffered: Set<string>;
  readonly runs: Map<
    string,
    { readonly controller: AbortController; readonly done: Promise<void> }
  >;
  readonly waiters: Map<
    string,
    { readonly resolve: (r: DagRunResult) => void; readonly reject: (e: unknown) => void }
  >;
  /** Why the last run failed, for its ledger row. */
  readonly runErrors: Map<string, string>;
  /** Set when the stored state could not be restored: reported, never fired. */
  broken: unknown;
  /** With the `inspect` option: a live XState actor mirroring the committed state. */
  inspector: Actor<typeof triggerMachine> | undefined;
}

/** An owed tick: fired, or recorded missed with the reason. */
interface BacklogEntry {
  readonly tick: number;
  readonly fire: boolean;
  readonly reason: string;
}

/** Most ticks owed at one wake that get a ledger row each (a week of every-second ticks). */
const MAX_OWED_TICKS = 700_000;

const stateOf = (live: Live): TriggerStateValue => triggerStateOf(live.snapshot);

/**
 * The supervisor: runs every activated trigger of a namespace as a state machine,
 * fires DAG runs on cron ticks, poll results and pushes, and records each fire before
 * it starts (write-ahead) so a crash or restart neither loses nor doubles one.
 *
 * @example
 * ```ts
 * const manager = new TriggerManager({ namespace: ns, store: new TriggerStore("./data/triggers.db"), provenance });
 * await manager.activate("hourly_market");
 * await manager.start();
 * // ...
 * await manager.stop();
 * ```
 */
export class TriggerManager {
  readonly namespace: Namespace;
  readonly store: TriggerStore;
  readonly provenance: ProvenanceProvider;
  readonly clock: Clock;
  readonly ownerId: string;
  readonly #onEvent: (event: ManagerEvent) => void;
  readonly #onError: (error: unknown, trigger: string | undefined) => void;
  readonly #live = new Map<string, Live>();
  readonly #timers = new TimerQueue();
  readonly #stepper = new MachineStepper();
  readonly #group: GroupCommit<TriggerWrite>;
  readonly #runners = new Map<string, DagRunner>();
  /** The fence each run-history guard checks (for checking a group's guards at once). */
  readonly #guardFences = new WeakMap<WriteGuard, Fence>();
  readonly #leaseMs: number;
  readonly #faults: FaultHook;
  readonly #logger: Logger | undefined;
  /** Abandons the polls in flight (stop, step-down): their ticks stay owed. */
  readonly #pollAborts = new Set<() => void>();
  readonly #inspect: ((event: InspectionEvent) => void) | undefined;
  #loaded = false;
  readonly #mode: "database" | "trigger";
  /** Per-trigger leases held: trigger → epoch. */
  readonly #owned = new Map<string, number>();
  /** The trigger leases as last read (for status). */
  #leaseView: readonly TriggerLease[] = [];
  /** The database lease holder as last read (for status). */
  #holder: string | undefined;
  #cancelShare: (() => void) | undefined;
  /** Lease work in order (see `#leaseOp`). */
  #leaseChain: Promise<void> = Promise.resolve();
  #role: "stopped" | "standby" | "leader" | "member" = "stopped";
  #epoch: number | undefined;
  #cancelHeartbeat: (() => void) | undefined;
  #cancelCommands: (() => void) | undefined;
  readonly #commandsInFlight = new Set<number>();
  #cancelStandby: (() => void) | undefined;
  /** Runs end without committing a RUN_FINISHED (stop, or a lost lease): they resume later. */
  #stopping = false;
  #cancelTimer: (() => void) | undefined;
  #armedAt: number | undefined;
  /** Ticks due before this instant were missed while the process was down. */
  #startedAt = Number.NEGATIVE_INFINITY;

  constructor(options: TriggerManagerOptions) {
    this.namespace = options.namespace;
    this.store = options.store;
    this.provenance = options.provenance ?? NullProvenance;
    this.clock = options.clock ?? new SystemClock();
    this.ownerId = options.ownerId ?? randomUUID();
    this.#onEvent = options.onEvent ?? (() => {});
    this.#logger = options.logger;
    this.#inspect = options.inspect;
    // The library prints nothing by itself: errors go to `onError` and to the logger, when
    // given (the CLI gives both).
    const reportError = options.onError ?? (() => {});
    this.#onError = (error, trigger) => {
      this.#logger?.error(
        {
          ...(trigger ? { trigger } : {}),
          error: error instanceof Error ? error.message : String(error),
        },
        "supervisor error",
      );
      reportError(error, trigger);
    };
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#mode = options.leases ?? (this.store.kind === "postgres" ? "trigger" : "database");
    this.#faults = options.faults ?? (() => {});
    this.#group = new GroupCommit((writes, triggers) => this.#applyBatch(writes, triggers));
  }

  /** Whether `start()` has run and `stop()` has not (leader or standby). */
  get started(): boolean {
    return this.#role !== "stopped";
  }

  /** Leader (database lease) only. */
  get #leading(): boolean {
    return this.#role === "leader";
  }

  /** Started and firing what it owns: the timers run. */
  get #active(): boolean {
    return this.#role === "leader" || this.#role === "member";
  }

  /** Whether this supervisor may fire `live` now (and `live` is the current one). */
  #owns(live: Live): boolean {
    if (this.#mode === "database") return this.#role === "leader";
    return (
      this.#role === "member" &&
      !live.lost &&
      live.epoch !== undefined &&
      this.#owned.get(live.name) === live.epoch
    );
  }

  /**
   * Whether this supervisor leads (fires), waits as a standby, or is stopped.
   *
   * @example
   * ```ts
   * if (manager.status().role === "standby") console.log("another supervisor is firing");
   * ```
   */
  status(): ManagerStatus {
    const owned =
      this.#mode === "database"
        ? this.#role === "leader"
          ? [...this.#live.keys()].sort()
          : []
        : [...this.#owned.keys()].sort();
    const owners: Record<string, string> = {};
    if (this.#mode === "database") {
      if (this.#holder !== undefined)
        for (const name of this.#live.keys()) owners[name] = this.#holder;
    } else {
      const now = this.clock.now();
      for (const lease of this.#leaseView) {
        if (lease.expiresAt.getTime() > now) owners[lease.triggerName] = lease.ownerId;
      }
    }
    for (const name of owned) owners[name] = this.ownerId;
    return {
      role: this.#role,
      ownerId: this.ownerId,
      leases: this.#mode,
      epoch: this.#epoch,
      holder: this.#holder,
      owned,
      owners,
    };
  }

  /**
   * Installs SIGINT/SIGTERM handlers that stop this manager gracefully (then let the
   * process exit). Not installed unless called: embedding services keep control of
   * their signals. Returns a function that removes the handlers.
   *
   * @example
   * ```ts
   * const unhook = manager.handleSignals({ graceMs: 5_000 });
   * ```
   */
  handleSignals(options: StopOptions = {}): () => void {
    const handler = (signal: NodeJS.Signals) => {
      remove();
      void this.stop(options).then(
        () => process.kill(process.pid, signal),
        (error: unknown) => {
          this.#onError(error, undefined);
          process.exit(1);
        },
      );
    };
    const remove = () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    };
    process.once("SIGINT", handler);
    process.once("SIGTERM", handler);
    return remove;
  }

  #fault(step: FaultStep, triggers: readonly string[], runId?: string): void {
    this.#faults(step, runId === undefined ? { triggers } : { triggers, runId });
  }

  /**
   * One group transaction, fenced, with the fault steps around it. Database lease: a
   * started supervisor writes only under its lease (a standby holds none, so its check
   * always fails); a stopped one (activating before start) writes unfenced. Trigger
   * leases: always fenced by the lease of every trigger written.
   */
  async #applyBatch(writes: readonly TriggerWrite[], triggers: readonly string[]): Promise<void> {
    this.#fault("commit:before", triggers);
    let fence: Fence | undefined;
    if (this.#mode === "trigger") {
      fence = {
        kind: "triggers",
        owner: this.ownerId,
        epochs: new Map(triggers.map((name) => [name, this.#owned.get(name) ?? -1])),
      };
    } else if (this.#role !== "stopped") {
      fence = { kind: "database", owner: this.ownerId, epoch: this.#epoch ?? -1 };
    }
    try {
      await this.store.backend.commit("trigger transition", writes, {
        ...(fence ? { fence } : {}),
        afterWrites: () => this.#fault("commit:inside", triggers),
      });
    } catch (error) {
      if (error instanceof LeaseLost) {
        if (this.#mode === "trigger") {
          if (error.trigger !== undefined) this.#drop(error.trigger, "lost", error);
        } else this.#stepDown(error);
      }
      throw error;
    }
    this.#fault("commit:after", triggers);
  }

  /**
   * Writes the trigger's activation record with status `active`. Re-activating a
   * disabled trigger keeps its history. Nothing runs until `start()`. With shared
   * triggers, a trigger another supervisor owns is left to it: nothing to do when it is
   * active, else an activate command is queued for the owner. Throws
   * `TriggerNotFound`, `NsrefNotFound` (its DAG), or the store's errors.
   *
   * @example
   * ```ts
   * await manager.activate("hourly_market");
   * ```
   */
  async activate(name: string): Promise<void> {
    this.#refuseStandby();
    const definition = this.namespace.getTrigger(name);
    this.#dagOf(definition);
    await this.#ensureLoaded();
    if (this.#mode === "trigger" && !(await this.#ensureOwned(name))) {
      // Another live supervisor owns it: active already means nothing to do (every
      // instance of a service may activate its triggers at boot). Otherwise it may be
      // activating it this very moment, or it was deactivated: its owner applies an
      // activate command within about a second (activation is idempotent).
      if ((await this.store.getActivation(name))?.status === "active") return;
      await this.store.requestCommand(name, "activate", undefined, this.clock.now());
      return;
    }
    const now = this.clock.now();
    let live = this.#live.get(name);
    if (live === undefined) {
      live = this.#newLive(name, definition, this.#stepper.initial(input(definition)), now);
      this.#live.set(name, live);
    }
    const target = live;
    const wasActive = stateOf(target) === "active" || stateOf(target) === "firing";
    target.definition = definition;
    target.broken = undefined;
    await this.#serial(target, async () => {
      await this.#step(target, { type: "ACTIVATE" }, [
        {
          kind: "upsertActivation",
          name,
          dagNsref: definition.dagNsref,
          triggerType: definition.triggerType,
          status: "active",
          config: configOf(definition),
          at: now,
        },
      ]);
      if (!wasActive) target.activatedAt = now;
    });
    if (this.#owns(target)) this.#schedule(target);
  }

  #refuseStandby(): void {
    if (this.#role === "standby") {
      throw new NotLeader({ ownerId: this.ownerId, holder: this.status().holder });
    }
  }

  /**
   * Stops a trigger from firing, at once; it stays in the database as `disabled` (a run
   * in flight finishes). Throws `TriggerNotFound` if it was never activated.
   *
   * @example
   * ```ts
   * await manager.deactivate("hourly_market");
   * ```
   */
  async deactivate(name: string): Promise<void> {
    this.#refuseStandby();
    await this.#ensureLoaded();
    if (this.#mode === "trigger") {
      // Never claim a lease for a name nobody can work: it would hold a share forever.
      if (!this.namespace.hasTrigger(name)) {
        throw new TriggerNotFound({ name, nearest: nearest(name, this.#live.keys()) });
      }
      if (!(await this.#ensureOwned(name))) {
        throw new NotOwner({ ownerId: this.ownerId, trigger: name, holder: this.#ownerOf(name) });
      }
    }
    const live = this.#live.get(name);
    if (live === undefined) {
      throw new TriggerNotFound({ name, nearest: nearest(name, this.#live.keys()) });
    }
    this.#timers.delete(name);
    await this.#serial(live, async () => {
      const now = this.clock.now();
      const dropped = live.backlog.splice(0).map((entry) => entry.tick);
      live.draining = false;
      await this.#step(live, { type: "DEACTIVATE" }, [
        { kind: "setStatus", name, status: "disabled" },
        { kind: "nextRun", name, nextRunAt: null },
        ...dropped.map((tick) =>
          missedRow(name, tick, now, "deactivated before its catch-up fire"),
        ),
      ]);
    });
  }

  /**
   * Starts supervising: restores every trigger from its stored state, resumes runs that
   * were in flight when the process stopped, catches up missed ticks by policy, and arms
   * one timer for the earliest tick. Throws `ManagerAlreadyStarted` if already running.
   *
   * @example
   * ```ts
   * await manager.start();
   * ```
   */
  async start(): Promise<void> {
    if (this.#role !== "stopped") throw new ManagerAlreadyStarted({ ownerId: this.ownerId });
    // A PostgreSQL store connects and migrates here: a wrong URL fails start() with a
    // typed error naming the host and the reason.
    await this.store.ready();
    this.#stopping = false;
    if (this.#mode === "trigger") {
      this.#role = "member";
      this.#startedAt = this.clock.now();
      // Start from the database: what was activated before start() is re-read under the
      // leases this supervisor still holds (the first heartbeat adopts them) — except a
      // trigger whose run (fired by hand before start) is still going: it is kept as is,
      // or the first heartbeat would resume that run a second time.
      const busy = [...this.#live.values()].filter(
        (live) => live.runs.size > 0 && !live.lost && live.epoch !== undefined,
      );
      this.#live.clear();
      this.#owned.clear();
      for (const live of busy) {
        this.#live.set(live.name, live);
        this.#owned.set(live.name, live.epoch as number);
        live.since = this.#startedAt;
      }
      try {
        await this.#share();
      } catch (error) {
        this.#role = "stopped";
        throw error;
      }
      this.#shareLoop();
      for (const live of busy) if (this.#owns(live)) this.#schedule(live);
      this.#arm();
      this.#watchCommands();
      return;
    }
    this.#role = "standby";
    await this.#tryLead();
  }

  /** Takes the lease if it is free or expired; otherwise waits as a standby and tries again. */
  async #tryLead(): Promise<void> {
    this.#cancelStandby?.();
    this.#cancelStandby = undefined;
    if (this.#role !== "standby") return;
    const now = this.clock.now();
    let retryAt = now + this.#leaseMs / 3;
    try {
      const lease = await this.store.backend.acquireLease(this.ownerId, now, this.#leaseMs);
      if (this.#role !== "standby") return;
      if ("epoch" in lease) {
        this.#holder = this.ownerId;
        await this.#lead(lease.epoch);
        return;
      }
      this.#holder = lease.holder;
      retryAt = Math.min(retryAt, lease.expiresAt + 1);
    } catch (error) {
      this.#onError(error, undefined);
    }
    this.#cancelStandby = this.clock.setTimer(retryAt, () => void this.#tryLead());
  }

  /**
   * Leads: restores every trigger from its stored state (fresh from the database: a
   * previous leader may have written since), resumes runs that were in flight, catches up
   * missed ticks by policy, and arms one timer and the lease heartbeat.
   */
  async #lead(epoch: number): Promise<void> {
    this.#epoch = epoch;
    this.#role = "leader";
    this.#stopping = false;
    this.#startedAt = this.clock.now();
    const inFlight = [...this.#live.values()].some((live) => live.runs.size > 0);
    if (!inFlight) {
      this.#loaded = false;
      this.#live.clear();
      this.#runners.clear();
    }
    const stored = await this.store.loadActivations();
    if (!this.#loaded) this.#loadFrom(stored);
    for (const live of this.#live.values()) live.since = this.#startedAt;
    this.#heartbeat();
    await this.#adoptEditedSchedules(stored);
    for (const live of this.#live.values()) this.#resumeAndSchedule(live);
    this.#arm();
    this.#watchCommands();
  }

  #heartbeat(): void {
    this.#cancelHeartbeat?.();
    if (!this.#leading || this.#epoch === undefined) return;
    const epoch = this.#epoch;
    this.#cancelHeartbeat = this.clock.setTimer(this.clock.now() + this.#leaseMs / 3, () => {
      if (!this.#leading || this.#epoch !== epoch) return;
      void this.store.backend.renewLease(this.ownerId, epoch, this.clock.now(), this.#leaseMs).then(
        () => this.#heartbeat(),
        (error: unknown) => {
          if (error instanceof LeaseLost) {
            this.#stepDown(error);
            return;
          }
          // A busy or failing disk: keep trying; the lease still has time left.
          this.#onError(error, undefined);
          this.#heartbeat();
        },
      );
    });
  }

  /**
   * Another supervisor took the lease (this one was paused past its expiry): stop firing
   * at once, abandon runs in flight without recording their end (the new leader resumes
   * them from provenance), and wait as a standby.
   */
  #stepDown(error: LeaseLost): void {
    if (!this.#leading) return;
    this.#onError(error, undefined);
    this.#role = "standby";
    this.#epoch = undefined;
    this.#stopping = true;
    this.#cancelHeartbeat?.();
    this.#cancelHeartbeat = undefined;
    this.#cancelCommands?.();
    this.#cancelCommands = undefined;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#armedAt = undefined;
    for (const abandon of [...this.#pollAborts]) abandon();
    for (const live of this.#live.values()) {
      this.#timers.delete(live.name);
      for (const run of live.runs.values()) run.controller.abort();
    }
    this.#cancelStandby = this.clock.setTimer(this.clock.now() + this.#leaseMs / 3, () => {
      void this.#tryLead();
    });
  }

  /**
   * A definition whose schedule changed since it was stored moves on from now with the
   * new schedule: ticks the old schedule never had are not "owed", so no surprise fire.
   */
  async #adoptEditedSchedules(all: readonly StoredActivation[]): Promise<void> {
    for (const stored of all) {
      const live = this.#live.get(stored.record.name);
      const definition = live?.definition;
      if (live === undefined || definition === undefined) continue;
      const config = configOf(definition);
      if (
        stored.record.config.schedule === config.schedule &&
        stored.record.config.timezone === config.timezone
      ) {
        continue;
      }
      live.activatedAt = live.since;
      await this.#serial(live, () =>
        this.#group.commit(
          [
            {
              kind: "upsertActivation",
              name: live.name,
              dagNsref: definition.dagNsref,
              triggerType: definition.triggerType,
              status: stored.record.status,
              config,
              at: live.since,
            },
          ],
          () => {},
          live.name,
        ),
      );
    }
  }

  /**
   * Stops supervising: no new fires; runs in flight get `graceMs` to finish, then are
   * interrupted (recorded `interrupted`, resumed by the next `start()`). Safe to call
   * when not started.
   *
   * @example
   * ```ts
   * await manager.stop({ graceMs: 2_000 });
   * ```
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#role === "stopped") return;
    const wasLeading = this.#leading;
    const epoch = this.#epoch;
    this.#role = "stopped";
    this.#stopping = true;
    this.#cancelStandby?.();
    this.#cancelStandby = undefined;
    this.#cancelHeartbeat?.();
    this.#cancelHeartbeat = undefined;
    this.#cancelCommands?.();
    this.#cancelCommands = undefined;
    this.#cancelShare?.();
    this.#cancelShare = undefined;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#armedAt = undefined;
    // A poll in flight would hold stop() for up to its pollTimeout: abandon it; its tick
    // stays owed to the next start().
    for (const abandon of [...this.#pollAborts]) abandon();
    // Until every run has ended and the leases are given back, they are kept alive
    // (renewed only: nothing is claimed), or another supervisor would resume a run that
    // is still running here during the grace.
    const keepAlive = this.#keepLeasesAlive(wasLeading ? epoch : undefined);
    try {
      // Steps already queued finish first (none of them starts a run now), so every run
      // that exists is in the list below.
      await Promise.all([...this.#live.values()].map((live) => live.chain));
      const runs = [...this.#live.values()].flatMap((live) => [...live.runs.values()]);
      if (runs.length > 0) {
        let cancelGrace = () => {};
        const grace = new Promise<void>((resolve) => {
          cancelGrace = this.clock.setTimer(
            this.clock.now() + (options.graceMs ?? 10_000),
            resolve,
          );
        });
        await Promise.race([Promise.all(runs.map((run) => run.done)), grace]);
        cancelGrace();
        for (const run of runs) run.controller.abort();
        await Promise.all(runs.map((run) => run.done));
      }
      await Promise.all([...this.#live.values()].map((live) => live.chain));
      await this.#group.drain();
    } finally {
      keepAlive();
    }
    if (wasLeading && epoch !== undefined) {
      try {
        await this.store.backend.releaseLease(this.ownerId, epoch, this.clock.now());
      } catch (error) {
        this.#onError(error, undefined);
      }
    }
    if (this.#mode === "trigger") {
      // Others may take these triggers at once (resuming what was interrupted) instead
      // of waiting for the leases to expire.
      const names = [...this.#owned.keys()];
      for (const name of names) this.#drop(name, "released");
      try {
        await this.store.backend.releaseTriggerLeases(this.ownerId, names, this.clock.now());
        await this.store.backend.leaveSupervisors(this.ownerId);
      } catch (error) {
        this.#onError(error, undefined);
      }
      this.#loaded = false;
    }
    this.#epoch = undefined;
    // Everything of this session has ended; a stopped manager may still fire by hand.
    this.#stopping = false;
  }

  /**
   * While `stop()` waits for runs: renews the leases held (the database lease at
   * `epoch`, or this supervisor's trigger leases) every third of the lease; returns the
   * function that stops renewing.
   */
  #keepLeasesAlive(epoch: number | undefined): () => void {
    const leases = this.#mode === "trigger" || epoch !== undefined;
    if (!leases) return () => {};
    let cancel: (() => void) | undefined;
    let stopped = false;
    const renew = () => {
      cancel = this.clock.setTimer(this.clock.now() + this.#leaseMs / 3, () => {
        const now = this.clock.now();
        const done =
          this.#mode === "trigger"
            ? this.store.backend.renewTriggerLeases(this.ownerId, now, this.#leaseMs)
            : this.store.backend.renewLease(this.ownerId, epoch as number, now, this.#leaseMs);
        void done
          .catch((error: unknown) => this.#onError(error, undefined))
          .finally(() => {
            if (!stopped) renew();
          });
      });
    };
    renew();
    return () => {
      stopped = true;
      cancel?.();
    };
  }

  /**
   * Fires a trigger now (a push trigger, or a poll trigger by hand) with a payload, and
   * resolves to the run's result. Rejects with `TriggerNotActive`, `PayloadInvalid`,
   * `TriggerBusy` (overlap `skip` while a fire runs; recorded `skipped_overlap`) or
   * `TriggerNotFound`.
   *
   * @example
   * ```ts
   * const result = await manager.fire("orders", { orderId: 42 });
   * ```
   */
  async fire(name: string, payload: Record<string, unknown> = {}): Promise<DagRunResult> {
    const { result } = await this.#fire(name, payload, () => []);
    return result;
  }

  /**
   * A push fire; `extra(runId)` adds writes to its write-ahead commit (a command's
   * completion). Resolves once that commit landed, with the run's result to come.
   */
  async #fire(
    name: string,
    payload: Record<string, unknown>,
    extra: (runId: string) => readonly TriggerWrite[],
  ): Promise<{ readonly runId: string; readonly result: Promise<DagRunResult> }> {
    this.#refuseStandby();
    await this.#ensureLoaded();
    const definition = this.namespace.getTrigger(name);
    if (this.#mode === "trigger" && !(await this.#ensureOwned(name))) {
      throw new NotOwner({ ownerId: this.ownerId, trigger: name, holder: this.#ownerOf(name) });
    }
    const live = this.#live.get(name);
    const status = live === undefined ? "inactive" : stateOf(live);
    if (live === undefined || status === "inactive" || status === "disabled") {
      throw new TriggerNotActive({ name, status });
    }
    this.#checkPayload(definition, payload);
    const fire: FireRef = {
      runId: randomUUID(),
      eventId: randomUUID(),
      scheduledAt: null,
      payload,
    };
    const result = new Promise<DagRunResult>((resolve, reject) =>
      live.waiters.set(fire.runId, { resolve, reject }),
    );
    // If the fire's own commit fails, the caller gets that error and `result` is never
    // handed out: its later rejection (the trigger dropped) must not go unhandled.
    result.catch(() => {});
    try {
      await this.#serial(live, () =>
        this.#step(
          live,
          { type: "FIRE", runId: fire.runId, eventId: fire.eventId, payload },
          extra(fire.runId),
        ),
      );
    } catch (error) {
      live.waiters.delete(fire.runId);
      throw error;
    }
    return { runId: fire.runId, result };
  }

  /** Polls the command table about once a second while leading. */
  #watchCommands(): void {
    this.#cancelCommands?.();
    if (!this.#active) return;
    this.#cancelCommands = this.clock.setTimer(this.clock.now() + 1_000, () => {
      void this.#applyCommands().finally(() => this.#watchCommands());
    });
  }

  /**
   * Applies the commands others queued (the CLI's activate, deactivate, fire). A fire's
   * command is marked done in its own write-ahead commit, so a crash cannot fire it
   * twice; activate and deactivate are idempotent and marked done right after.
   */
  async #applyCommands(): Promise<void> {
    let pending: readonly TriggerCommand[];
    try {
      // Shared triggers: each supervisor applies the commands of the triggers it owns.
      pending = await this.store.pendingCommands();
    } catch (error) {
      this.#onError(error, undefined);
      return;
    }
    for (const command of pending) {
      if (!this.#active || this.#commandsInFlight.has(command.seq)) continue;
      // Shared triggers: the owner applies a trigger's commands; a trigger nobody owns
      // yet (never activated, or its owner died) goes to whoever claims it first.
      if (this.#mode === "trigger" && !this.#owned.has(command.triggerName)) {
        const free = !this.#leaseView.some(
          (lease) =>
            lease.triggerName === command.triggerName &&
            lease.expiresAt.getTime() > this.clock.now(),
        );
        if (
          !free ||
          !this.namespace.hasTrigger(command.triggerName) ||
          !(await this.#ensureOwned(command.triggerName).catch(() => false))
        ) {
          continue;
        }
      }
      this.#commandsInFlight.add(command.seq);
      const done = (state: "done" | "failed", runId: string | null, error: string | null) => ({
        kind: "commandDone" as const,
        seq: command.seq,
        state,
        runId,
        error,
        at: this.clock.now(),
      });
      try {
        if (command.kind === "fire") {
          const { result } = await this.#fire(
            command.triggerName,
            command.payload ?? {},
            (runId) => [done("done", runId, null)],
          );
          result.catch(() => {});
        } else {
          await (command.kind === "activate"
            ? this.activate(command.triggerName)
            : this.deactivate(command.triggerName));
          await this.#group.commit([done("done", null, null)], () => {}, command.triggerName);
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.#group
          .commit([done("failed", null, message)], () => {}, command.triggerName)
          .catch((failure: unknown) => this.#onError(failure, command.triggerName));
      } finally {
        this.#commandsInFlight.delete(command.seq);
      }
    }
  }

  /**
   * What `inspect()` shows for each trigger, with this supervisor's in-memory states and
   * timers preferred over the stored ones.
   *
   * @example
   * ```ts
   * for (const t of await manager.inspect()) console.log(t.name, t.state, t.nextFireAt);
   * ```
   */
  async inspect(): Promise<readonly TriggerInspection[]> {
    // The one reach from supervisor/ to inspect/ (which sits above it and reads the same
    // stores): a lazy import keeps the module graph one-way.
    const { inspect } = await import("../inspect/inspect.js");
    const provenance = this.provenance as Partial<RunLookup>;
    return inspect(this.store, {
      namespace: this.namespace,
      live: this,
      now: this.clock.now(),
      ...(typeof provenance.getRun === "function" ? { provenance: provenance as RunLookup } : {}),
    });
  }

  /**
   * The machine state of each known trigger (`inactive`, `active`, `firing`, `disabled`).
   *
   * @example
   * ```ts
   * manager.states(); // { hourly_market: "active" }
   * ```
   */
  states(): Readonly<Record<string, TriggerStateValue>> {
    return Object.fromEntries([...this.#live.values()].map((live) => [live.name, stateOf(live)]));
  }

  /**
   * The next scheduled instant of a trigger while the manager runs, if any.
   *
   * @example
   * ```ts
   * manager.nextFireAt("hourly_market"); // Date
   * ```
   */
  nextFireAt(name: string): Date | undefined {
    const due = this.#timers.get(name);
    return due === undefined ? undefined : new Date(due);
  }

  // ---------------------------------------------------------------- loading

  /**
   * Database lease: loads every stored activation once, restoring each machine from its
   * snapshot. Trigger leases: nothing to do here; a trigger is loaded when claimed.
   */
  async #ensureLoaded(): Promise<void> {
    if (this.#loaded || this.#mode === "trigger") return;
    const stored = await this.store.loadActivations();
    if (!this.#loaded) this.#loadFrom(stored);
  }

  #loadFrom(all: readonly StoredActivation[]): void {
    this.#loaded = true;
    for (const stored of all) {
      const definition = this.namespace.hasTrigger(stored.record.name)
        ? this.namespace.getTrigger(stored.record.name)
        : undefined;
      const live = this.#restore(stored, definition);
      this.#live.set(live.name, live);
    }
  }

  // ---------------------------------------------------------------- shared triggers

  /** The owner of a trigger as last read, if it has a live one. */
  #ownerOf(name: string): string | undefined {
    const now = this.clock.now();
    return this.#leaseView.find(
      (lease) => lease.triggerName === name && lease.expiresAt.getTime() > now,
    )?.ownerId;
  }

  /**
   * Whether this supervisor owns `name` after trying to claim it (when its lease is free
   * or expired). A claimed trigger is restored from the database, as on restart.
   */
  async #ensureOwned(name: string): Promise<boolean> {
    return this.#leaseOp(() => this.#ensureOwnedNow(name));
  }

  /**
   * Runs lease work (a heartbeat, a claim by name) after the previous one: each reads and
   * changes the owned map around database round trips, and two interleaved could take
   * the same trigger over twice (two copies resuming one run under one epoch).
   */
  #leaseOp<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#leaseChain.then(task);
    this.#leaseChain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async #ensureOwnedNow(name: string): Promise<boolean> {
    if (this.#owned.has(name) && this.#live.get(name)?.lost !== true) return true;
    const now = this.clock.now();
    const held = await this.store.backend.claimTriggers(this.ownerId, now, this.#leaseMs, 1, [
      name,
    ]);
    if (held.length === 0) {
      this.#leaseView = await this.store.backend.triggerLeases();
      return false;
    }
    await this.#adopt(held, now);
    return true;
  }

  /**
   * One heartbeat of a shared supervisor: marks it live, renews its trigger leases (and
   * lets go of any another took), then claims triggers up to its fair share (the
   * triggers divided by the live supervisors, rounded up) or releases idle ones above it.
   */
  #share(): Promise<void> {
    return this.#leaseOp(() => this.#shareNow());
  }

  async #shareNow(): Promise<void> {
    const backend = this.store.backend;
    const now = this.clock.now();
    const { supervisors, triggers } = await backend.heartbeat(this.ownerId, now, this.#leaseMs);
    const held = await backend.renewTriggerLeases(this.ownerId, now, this.#leaseMs);
    if (this.#role !== "member") return;
    const still = new Map(held.map((lease) => [lease.triggerName, lease.epoch]));
    for (const [name, epoch] of [...this.#owned]) {
      if (still.get(name) !== epoch) this.#drop(name, "lost");
    }
    // Held in the database but not worked here (activated before start, or a release
    // that did not commit): take them up as if just claimed.
    await this.#adopt(
      held.filter((lease) => !this.#owned.has(lease.triggerName)),
      now,
    );
    // A lease with nothing behind it here (a name this namespace does not define) is
    // given back, not counted: it would hold a share of the work that nobody does.
    const strays = [...this.#owned.keys()].filter(
      (name) => this.#live.get(name)?.definition === undefined,
    );
    if (strays.length > 0) {
      for (const name of strays) this.#drop(name, "released");
      await backend.releaseTriggerLeases(this.ownerId, strays, now);
    }
    const share = Math.ceil(triggers / Math.max(1, supervisors));
    if (this.#owned.size < share) {
      const claimed = await backend.claimTriggers(
        this.ownerId,
        now,
        this.#leaseMs,
        share - this.#owned.size,
      );
      if (this.#role !== "member") {
        await backend.releaseTriggerLeases(
          this.ownerId,
          claimed.map((lease) => lease.triggerName),
          this.clock.now(),
        );
        return;
      }
      await this.#adopt(claimed, now);
    } else if (this.#owned.size > share) {
      await this.#releaseIdle(this.#owned.size - share);
    }
    this.#leaseView = await backend.triggerLeases();
  }

  /** Runs `#share` every third of the lease, for as long as this supervisor is a member. */
  #shareLoop(): void {
    this.#cancelShare?.();
    if (this.#role !== "member") return;
    this.#cancelShare = this.clock.setTimer(this.clock.now() + this.#leaseMs / 3, () => {
      this.#cancelShare = undefined;
      void this.#share()
        .catch((error: unknown) => this.#onError(error, undefined))
        .finally(() => this.#shareLoop());
    });
  }

  /**
   * Takes over claimed triggers: each is restored from its stored snapshot (fresh: its
   * previous owner may have written until its lease expired), a run it had in flight is
   * resumed from provenance, and its schedule goes on with the catch-up policy for the
   * ticks nobody fired.
   */
  async #adopt(leases: readonly HeldLease[], now: number): Promise<void> {
    // A trigger already worked here under the same epoch is not taken over again.
    const claimed = leases.filter((lease) => {
      const current = this.#live.get(lease.triggerName);
      return !(current !== undefined && !current.lost && current.epoch === lease.epoch);
    });
    if (claimed.length === 0) return;
    for (const lease of claimed) this.#owned.set(lease.triggerName, lease.epoch);
    const stored = await this.store.loadActivations(claimed.map((lease) => lease.triggerName));
    for (const activation of stored) {
      const name = activation.record.name;
      const epoch = this.#owned.get(name);
      if (epoch === undefined) continue;
      const definition = this.namespace.hasTrigger(name)
        ? this.namespace.getTrigger(name)
        : undefined;
      const previous = this.#live.get(name);
      if (previous !== undefined) {
        // An older copy (an earlier epoch): it writes nothing more, and its run stops.
        previous.lost = true;
        for (const run of previous.runs.values()) run.controller.abort();
      }
      const live = this.#restore(activation, definition);
      live.epoch = epoch;
      live.since = now;
      this.#live.set(name, live);
      this.#forgetRunner(name);
    }
    if (this.#role !== "member") return;
    await this.#adoptEditedSchedules(stored);
    for (const activation of stored) {
      const live = this.#live.get(activation.record.name);
      if (live === undefined || !this.#owns(live)) continue;
      this.#resumeAndSchedule(live);
    }
    this.#arm();
  }

  /** After a restore: resume the run in flight from provenance, then schedule. */
  #resumeAndSchedule(live: Live): void {
    if (live.broken !== undefined || live.definition === undefined) return;
    const inFlightFire = live.snapshot.context.inFlight;
    if (stateOf(live) === "firing" || (stateOf(live) === "disabled" && inFlightFire !== null)) {
      if (inFlightFire !== null && !live.runs.has(inFlightFire.runId)) {
        this.#startRun(live, inFlightFire, true);
      }
    }
    if (stateOf(live) === "active" || stateOf(live) === "firing") this.#schedule(live);
  }

  /** Gives up to `count` idle triggers back (no run, no backlog), each after its queued steps. */
  async #releaseIdle(count: number): Promise<void> {
    const idle = [...this.#live.values()]
      .filter(
        (live) =>
          this.#owns(live) &&
          live.runs.size === 0 &&
          live.backlog.length === 0 &&
          !live.draining &&
          stateOf(live) !== "firing",
      )
      .slice(0, count);
    for (const live of idle) {
      await this.#serial(live, async () => {
        if (!this.#owns(live) || live.runs.size > 0 || stateOf(live) === "firing") return;
        // Its queued writes (the next-run instant) land under the lease first.
        await this.#group.drain();
        if (!this.#owns(live) || live.runs.size > 0 || stateOf(live) === "firing") return;
        this.#drop(live.name, "released");
        await this.store.backend.releaseTriggerLeases(this.ownerId, [live.name], this.clock.now());
      });
    }
  }

  /**
   * Stops working a trigger at once: lost (another supervisor holds its lease now; its
   * run in flight is abandoned without recording an end, the new owner resumes it) or
   * released (idle, given back on purpose).
   */
  #drop(name: string, why: "lost" | "released", error?: LeaseLost): void {
    const live = this.#live.get(name);
    if (this.#mode !== "trigger") return;
    this.#owned.delete(name);
    this.#timers.delete(name);
    this.#forgetRunner(name);
    if (live === undefined) return;
    this.#live.delete(name);
    live.lost = true;
    if (why === "lost") {
      this.#onError(
        error ??
          new LeaseLost({
            ownerId: this.ownerId,
            epoch: live.epoch ?? -1,
            holder: undefined,
            holderEpoch: undefined,
            trigger: name,
          }),
        name,
      );
      for (const run of live.runs.values()) run.controller.abort();
    }
    for (const waiter of live.waiters.values()) {
      waiter.reject(new NotOwner({ ownerId: this.ownerId, trigger: name, holder: undefined }));
    }
    live.waiters.clear();
  }

  #restore(stored: StoredActivation, definition: TriggerDefinition | undefined): Live {
    const name = stored.record.name;
    const activatedAt = stored.activatedAt ?? stored.record.createdAt.getTime();
    // The initial snapshot is only a placeholder for a trigger whose stored state cannot be
    // used; restored triggers never need one (computing it for 10,000 slowed start down).
    const placeholder = () =>
      this.#stepper.initial({ name, overlap: definition?.overlap ?? "skip" });
    const live = this.#newLive(
      name,
      definition,
      undefined as unknown as TriggerSnapshot,
      activatedAt,
    );
    if (stored.snapshotJson === undefined) {
      live.snapshot = placeholder();
      live.broken = new SnapshotIncompatible({
        name,
        storedVersion: stored.machineVersion,
        machineVersion: TRIGGER_MACHINE_VERSION,
        reason: "no snapshot is stored",
      });
      this.#onError(live.broken, name);
      return live;
    }
    try {
      if (stored.machineVersion !== TRIGGER_MACHINE_VERSION) {
        throw new Error(`it was written by machine version ${stored.machineVersion}`);
      }
      const persisted = JSON.parse(stored.snapshotJson) as unknown;
      const snapshot = triggerMachine.resolveState(
        persisted as Parameters<typeof triggerMachine.resolveState>[0],
      ) as TriggerSnapshot;
      triggerStateOf(snapshot);
      live.snapshot = snapshot;
    } catch (cause) {
      live.snapshot = placeholder();
      live.broken = new SnapshotIncompatible({
        name,
        storedVersion: stored.machineVersion,
        machineVersion: TRIGGER_MACHINE_VERSION,
        reason: cause instanceof Error ? cause.message : String(cause),
      });
      this.#onError(live.broken, name);
    }
    return live;
  }

  #newLive(
    name: string,
    definition: TriggerDefinition | undefined,
    snapshot: TriggerSnapshot,
    activatedAt: number,
  ): Live {
    return {
      name,
      epoch: this.#owned.get(name),
      since: this.#startedAt,
      lost: false,
      definition,
      snapshot,
      activatedAt,
      backlog: [],
      draining: false,
      tickedUpTo: Number.NEGATIVE_INFINITY,
      chain: Promise.resolve(),
      buffered: new Set(),
      runs: new Map(),
      waiters: new Map(),
      runErrors: new Map(),
      broken: undefined,
      inspector: undefined,
    };
  }

  // ---------------------------------------------------------------- stepping

  /** Runs `task` after every earlier task of this trigger (per-trigger order). */
  #serial<T>(live: Live, task: () => Promise<T>): Promise<T> {
    const result = live.chain.then(task);
    live.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * One machine transition: computed purely, committed with the ledger writes it implies
   * (and `extra`) in the group transaction, and only then acted on. A failed commit
   * reverts the in-memory snapshot, so memory never runs ahead of the disk.
   */
  async #step(live: Live, event: TriggerEvent, extra: readonly TriggerWrite[] = []): Promise<void> {
    if (live.lost) {
      // Given up (another supervisor owns the trigger now): this copy writes nothing more.
      throw new NotOwner({ ownerId: this.ownerId, trigger: live.name, holder: undefined });
    }
    const before = live.snapshot;
    const [next, actions] = this.#stepper.step(before, event);
    const now = this.clock.now();
    const writes: TriggerWrite[] = [...extra];
    const changed = next !== before;
    if (changed) {
      writes.push(
        {
          kind: "snapshot",
          name: live.name,
          snapshot: triggerMachine.getPersistedSnapshot(next),
          machineVersion: TRIGGER_MACHINE_VERSION,
          state: triggerStateOf(next),
        },
        { kind: "journal", name: live.name, event, stateAfter: triggerStateOf(next), at: now },
      );
    }
    const effects: (() => void)[] = [];
    for (const action of actions) {
      const params = (action.params ?? {}) as { fire?: FireRef; runId?: string; status?: string };
      const fire = params.fire;
      switch (action.type) {
        case "startRun":
          if (fire === undefined) break;
          writes.push(
            live.buffered.has(fire.eventId)
              ? { kind: "updateEvent", eventId: fire.eventId, status: "running", firedAt: now }
              : fireRow(live.name, fire, now, "running"),
          );
          effects.push(() => {
            live.buffered.delete(fire.eventId);
            if (this.#stopping) {
              // stop() began while this fire's commit was in flight: it is on disk as
              // running and its machine is firing, so the next start() resumes it; no new
              // run starts after stop().
              live.waiters
                .get(fire.runId)
                ?.reject(new TriggerNotActive({ name: live.name, status: "stopping" }));
              live.waiters.delete(fire.runId);
              return;
            }
            this.#startRun(live, fire, false);
          });
          break;
        case "recordOverlapSkip":
          if (fire === undefined) break;
          writes.push({ ...fireRow(live.name, fire, now, "skipped_overlap"), runId: null });
          effects.push(() => {
            this.#emit(live, "skipped_overlap", fire.scheduledAt, {});
            live.waiters
              .get(fire.runId)
              ?.reject(new TriggerBusy({ name: live.name, eventId: fire.eventId }));
            live.waiters.delete(fire.runId);
          });
          break;
        case "bufferTick":
          if (fire === undefined) break;
          writes.push(fireRow(live.name, fire, now, "buffered"));
          effects.push(() => {
            live.buffered.add(fire.eventId);
            this.#emit(live, "buffered", fire.scheduledAt, { runId: fire.runId });
          });
          break;
        case "dropPending":
          if (fire === undefined) break;
          writes.push({
            kind: "updateEvent",
            eventId: fire.eventId,
            status: "cancelled",
            finishedAt: now,
          });
          effects.push(() => {
            live.buffered.delete(fire.eventId);
            live.waiters
              .get(fire.runId)
              ?.reject(new TriggerNotActive({ name: live.name, status: "disabled" }));
            live.waiters.delete(fire.runId);
          });
          break;
        case "runEnded": {
          const inFlight = before.context.inFlight;
          if (inFlight === null || params.runId === undefined) break;
          const error = live.runErrors.get(params.runId);
          writes.push(
            {
              kind: "updateEvent",
              eventId: inFlight.eventId,
              status: params.status ?? "completed",
              finishedAt: now,
              ...(error === undefined ? {} : { error }),
            },
            { kind: "runEnded", name: live.name, runId: params.runId, at: now },
          );
          effects.push(() => live.runErrors.delete(params.runId as string));
          break;
        }
      }
    }
    if (writes.length === 0) return;
    live.snapshot = next;
    const committed = this.#group.commit(
      writes,
      () => {
        live.snapshot = before;
      },
      live.name,
    );
    await committed;
    if (this.#inspect !== undefined && changed) this.#mirror(live, before).send(event);
    for (const effect of effects) effect();
  }

  /** The inspection actor of a trigger, started from `snapshot` the first time. */
  #mirror(live: Live, snapshot: TriggerSnapshot): Actor<typeof triggerMachine> {
    if (live.inspector === undefined) {
      const inspect = this.#inspect;
      live.inspector = createActor(triggerMachine, {
        snapshot: triggerMachine.getPersistedSnapshot(snapshot) as never,
        input: { name: live.name },
        id: live.name,
        ...(inspect ? { inspect } : {}),
      });
      live.inspector.start();
    }
    return live.inspector;
  }

  // ---------------------------------------------------------------- runs

  #dagOf(definition: TriggerDefinition): Dag {
    const node = this.namespace.get(definition.dagNsref);
    if (node.spec.kind !== "dag") {
      throw new InvalidTriggerDefinition({
        name: definition.name,
        field: "dagNsref",
        reason: `names a function ("${definition.dagNsref}"), not a DAG: register a Dag under it`,
      });
    }
    return node.spec.dag as Dag;
  }

  #runnerOf(definition: TriggerDefinition, live: Live): DagRunner {
    // One runner per trigger and lease epoch: its history writes are fenced by that epoch.
    const key = `${definition.name}@${this.#mode === "trigger" ? live.epoch : this.#epoch}`;
    const cached = this.#runners.get(key);
    if (cached) return cached;
    const runner = new DagRunner(this.#dagOf(definition), {
      provenance: this.#fencedProvenance(live) ?? this.provenance,
      dagNsref: definition.dagNsref,
      namespace: this.namespace,
      ...(this.#logger ? { logger: this.#logger.child({ trigger: definition.name }) } : {}),
    });
    this.#forgetRunner(definition.name);
    this.#runners.set(key, runner);
    return runner;
  }

  /** Drops the cached runner of a trigger (runs in flight keep theirs). */
  #forgetRunner(name: string): void {
    for (const key of this.#runners.keys()) {
      if (key.startsWith(`${name}@`)) this.#runners.delete(key);
    }
  }

  /**
   * The run history of `live`'s runs, with every write fenced by the lease this
   * supervisor fires the trigger under (the trigger's own lease, or the database lease of
   * the leader) at its current epoch — checked in the write's own transaction when both
   * stores share one database (a PostgreSQL pool, or one SQLite file; else just before
   * it, on the trigger store). A supervisor paused past its lease thus records no node
   * and starts none (a node's start is committed before its function runs) once another
   * holds the lease. `undefined` where the history cannot be fenced (no guard support,
   * not started, or SQLite history beside PostgreSQL triggers): writes go unfenced.
   */
  #fencedProvenance(live: Live): ProvenanceProvider | undefined {
    const service = this.provenance.service;
    if (service?.guarded === undefined) return undefined;
    let fence: Fence;
    if (this.#mode === "trigger") {
      if (live.epoch === undefined) return undefined;
      fence = { kind: "triggers", owner: this.ownerId, epochs: new Map([[live.name, live.epoch]]) };
    } else {
      if (!this.#leading || this.#epoch === undefined) return undefined;
      fence = { kind: "database", owner: this.ownerId, epoch: this.#epoch };
    }
    const backend = this.store.backend;
    const historyPg = (this.provenance as { readonly pg?: unknown }).pg;
    const samePool = historyPg !== undefined && historyPg === this.store.pg;
    const sync = backend.checkFenceSync;
    if (historyPg === undefined && sync === undefined) return undefined;
    const guard: WriteGuard = {
      sync: () => sync?.(fence),
      onTransaction: (tx) => backend.checkFence(fence, samePool ? tx : undefined),
      // A group transaction holds the writes of many runs: one query checks them all.
      onBatch: async (tx, guards) => {
        const fences = guards.map((g) => this.#guardFences.get(g as WriteGuard));
        const merged = mergeFences(fences);
        if (merged !== undefined) return backend.checkFence(merged, samePool ? tx : undefined);
        for (const g of guards) await g.onTransaction(tx);
      },
    };
    this.#guardFences.set(guard, fence);
    const guarded = service.guarded(guard);
    return { layer: Layer.succeed(Provenance, guarded), service: guarded };
  }

  /**
   * Runs (or, after a restart, resumes from provenance) the DAG of a committed fire,
   * then commits its end. A resumed run keeps its run id: completed nodes are not run
   * again and the node that was cut off runs with a higher attempt.
   */
  #startRun(live: Live, fire: FireRef, resume: boolean): void {
    const controller = new AbortController();
    const done = (async () => {
      this.#fault("run:before", [live.name], fire.runId);
      this.#emit(live, resume ? "resumed" : "fired", fire.scheduledAt, { runId: fire.runId });
      let result: DagRunResult;
      let thrown: unknown;
      try {
        const definition = live.definition;
        if (definition === undefined) throw new Error(`trigger "${live.name}" has no definition`);
        const runner = this.#runnerOf(definition, live);
        result = resume
          ? await runner
              .restart(fire.runId, {
                allowRunning: true,
                allowChangedDag: true,
                signal: controller.signal,
              })
              .catch((error: unknown): Promise<DagRunResult> | DagRunResult => {
                // The crash came before the run's first commit: nothing ran, start it now.
                if (error instanceof RunNotFound) {
                  return runner.run(fire.payload, { runId: fire.runId, signal: controller.signal });
                }
                // The run ended but its end was not yet in the ledger: record that end.
                if (error instanceof RunNotRestartable) {
                  return { runId: fire.runId, status: finalStatus(error.status), outputs: {} };
                }
                throw error;
              })
          : await runner.run(fire.payload, { runId: fire.runId, signal: controller.signal });
      } catch (error) {
        thrown = error;
        this.#onError(error, live.name);
        live.runErrors.set(fire.runId, error instanceof Error ? error.message : String(error));
        result = { runId: fire.runId, status: "failed", outputs: {} };
      }
      if (result.error) live.runErrors.set(fire.runId, result.error.message);
      this.#fault("run:after", [live.name], fire.runId);
      const fenced = findLeaseLost(result.error) ?? findLeaseLost(thrown);
      // Its history was refused by the trigger's lease: another supervisor owns it now.
      if (fenced !== undefined && !live.lost) this.#drop(live.name, "lost", fenced);
      if (live.lost) {
        // Another supervisor owns the trigger now and resumes this run from provenance;
        // this one records nothing (its fence would refuse it anyway).
        live.runs.delete(fire.runId);
        return;
      }
      if (
        result.status === "failed" &&
        (storeUnreachable(result.error) || storeUnreachable(thrown)) &&
        !this.#stopping
      ) {
        // The database went away under the run (its history could not be written): the
        // run did not fail, it was cut off. It stays `firing` and resumes from its history
        // once the database answers again, like after a restart.
        live.runErrors.delete(fire.runId);
        await this.#pause(controller.signal);
        live.runs.delete(fire.runId);
        if (this.#owns(live) && !this.#stopping) this.#startRun(live, fire, true);
        return;
      }
      if (result.status === "interrupted" && this.#stopping) {
        // Stopped by stop(): the event is marked interrupted but the machine stays
        // `firing`, so the next start() resumes this run.
        await this.#commitQuietly(live, [
          { kind: "updateEvent", eventId: fire.eventId, status: "interrupted" },
        ]);
      } else {
        // A run's end must reach the database, or the trigger stays `firing` for good: while
        // the database is unreachable, try again every third of the lease.
        for (;;) {
          try {
            await this.#serial(live, () =>
              this.#step(live, { type: "RUN_FINISHED", runId: fire.runId, status: result.status }),
            );
            break;
          } catch (error) {
            this.#onError(error, live.name);
            // Any failure but a lost lease is tried again (a lock, a deadlock, a full
            // disk, an unreachable database): until it commits the trigger stays firing.
            if (live.lost || this.#stopping || findLeaseLost(error) !== undefined) break;
            if (error instanceof NotOwner) break;
            await this.#pause(controller.signal);
          }
        }
        this.#fault("end:after", [live.name], fire.runId);
        live.draining = false;
        this.#drainBacklog(live);
      }
      this.#emit(live, "finished", fire.scheduledAt, {
        runId: fire.runId,
        status: result.status,
        ...(result.error ? { error: result.error.message } : {}),
      });
      live.runs.delete(fire.runId);
      const waiter = live.waiters.get(fire.runId);
      live.waiters.delete(fire.runId);
      waiter?.resolve(result);
    })();
    live.runs.set(fire.runId, { controller, done });
  }

  /** Waits a third of the lease on the clock, or until `signal` aborts (stop, step-down). */
  #pause(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const cancel = this.clock.setTimer(this.clock.now() + this.#leaseMs / 3, () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
      const onAbort = () => {
        cancel();
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async #commitQuietly(live: Live, writes: readonly TriggerWrite[]): Promise<void> {
    await this.#group
      .commit(writes, () => {}, live.name)
      .catch((error: unknown) => this.#onError(error, live.name));
  }

  #checkPayload(definition: TriggerDefinition, payload: Record<string, unknown>): void {
    const dag = this.#dagOf(definition);
    for (const source of dag.sources()) {
      const schema = source.spec.options.input;
      if (schema === undefined) continue;
      // ParseResult's decoder, not Schema's: the same check without loading effect/Schema.
      const decoded = ParseResult.decodeUnknownEither(schema)(payload);
      if (Either.isLeft(decoded)) {
        const [first] = ParseResult.ArrayFormatter.formatIssueSync(decoded.left);
        throw new PayloadInvalid({
          name: definition.name,
          nodeLabel: source.label,
          field: (first?.path ?? []).map(String).join("."),
          reason: first?.message ?? "does not match",
        });
      }
    }
  }

  // ---------------------------------------------------------------- schedule

  /** Queues the trigger's next tick (after its last scheduled instant, never "now"). */
  #schedule(live: Live): void {
    const schedule = live.definition?.schedule;
    if (schedule === undefined || live.broken !== undefined) return;
    const state = stateOf(live);
    if (state !== "active" && state !== "firing") return;
    const base = Math.max(
      live.snapshot.context.lastScheduledAt ?? Number.NEGATIVE_INFINITY,
      live.activatedAt,
    );
    const due = schedule.nextMs(base);
    this.#timers.set(live.name, due);
    void this.#commitQuietly(live, [{ kind: "nextRun", name: live.name, nextRunAt: due }]);
    this.#arm();
  }

  /** Arms the one timer for the earliest due tick across all triggers. */
  #arm(): void {
    if (!this.#active) return;
    const top = this.#timers.peek();
    if (top === undefined) {
      this.#cancelTimer?.();
      this.#cancelTimer = undefined;
      this.#armedAt = undefined;
      return;
    }
    if (this.#armedAt === top.due) return;
    this.#cancelTimer?.();
    this.#armedAt = top.due;
    this.#cancelTimer = this.clock.setTimer(top.due, () => this.#wake());
  }

  /** The timer fired: handle every trigger due by now (the clock is read again here). */
  #wake(): void {
    this.#cancelTimer = undefined;
    this.#armedAt = undefined;
    if (!this.#active) return;
    const now = this.clock.now();
    for (const { name } of this.#timers.popDue(now)) {
      const live = this.#live.get(name);
      if (live !== undefined && this.#owns(live)) this.#onDue(live, now);
    }
    this.#arm();
  }

  /** A trigger is due: work out which ticks are owed since its last one, by policy. */
  #onDue(live: Live, now: number): void {
    const definition = live.definition;
    const schedule = definition?.schedule;
    if (definition === undefined || schedule === undefined) return;
    const state = stateOf(live);
    if (state !== "active" && state !== "firing") return;
    const queuedUpTo = live.backlog.at(-1)?.tick ?? Number.NEGATIVE_INFINITY;
    const base = Math.max(
      live.snapshot.context.lastScheduledAt ?? Number.NEGATIVE_INFINITY,
      live.activatedAt,
      queuedUpTo,
      live.tickedUpTo,
    );
    const ticks = ticksBetween(schedule, base, now, MAX_OWED_TICKS).map((d) => d.getTime());
    const last = ticks.at(-1);
    // The next tick is computed from the last owed one, so the schedule never drifts.
    const next = schedule.nextMs(last ?? base);
    this.#timers.set(live.name, next);
    void this.#commitQuietly(live, [{ kind: "nextRun", name: live.name, nextRunAt: next }]);
    if (last === undefined) return;
    if (ticks.length === 1 && live.backlog.length === 0 && !live.draining && last > live.since) {
      this.#tick(live, last);
      return;
    }
    live.backlog.push(...this.#plan(definition, ticks, now, live.since));
    this.#drainBacklog(live);
  }

  /**
   * Which owed ticks fire. Ticks due before `start()` were missed while the process was
   * down: the trigger's catch-up policy decides (`skip`, `latest`, `all` bounded by
   * `maxCatchUp`, within `catchUpWindow`). Ticks due since are late (a blocked event
   * loop, a clock jump): the latest fires, earlier ones are recorded missed.
   */
  #plan(
    definition: TriggerDefinition,
    ticks: readonly number[],
    now: number,
    since: number,
  ): BacklogEntry[] {
    const window = definition.catchUpWindow;
    const down = ticks.filter((tick) => tick <= since);
    const late = ticks.filter((tick) => tick > since);
    const owed = down.filter((tick) => window === undefined || tick >= now - window);
    const fire =
      definition.catchUp === "skip"
        ? []
        : definition.catchUp === "latest"
          ? owed.slice(-1)
          : owed.slice(-definition.maxCatchUp);
    const firing = new Set([...fire, ...late.slice(-1)]);
    return ticks.map((tick) => ({
      tick,
      fire: firing.has(tick),
      reason:
        tick <= since
          ? `missed while down (catchUp: ${definition.catchUp})`
          : "late: a later tick was already due",
    }));
  }

  /**
   * Works through the backlog in time order, so the machine's last scheduled instant only
   * moves forward: a run of missed ticks becomes one TICK_SKIPPED (with a ledger row per
   * tick); a tick to fire waits until the trigger is free.
   */
  #drainBacklog(live: Live): void {
    if (!this.#owns(live) || live.draining) return;
    const skipped: BacklogEntry[] = [];
    while (live.backlog[0] !== undefined && !live.backlog[0].fire) {
      skipped.push(live.backlog.shift() as BacklogEntry);
    }
    if (skipped.length > 0) {
      // The missed rows first; the next tick fires only once they are on disk, so a
      // failed commit cannot leave them behind a later fire.
      const now = this.clock.now();
      const latest = (skipped.at(-1) as BacklogEntry).tick;
      live.draining = true;
      void this.#serial(live, () =>
        this.#step(live, { type: "TICK_SKIPPED", scheduledAt: latest, reason: "missed" }, [
          ...skipped.map((entry) => missedRow(live.name, entry.tick, now, entry.reason)),
        ]),
      ).then(
        () => {
          for (const entry of skipped) this.#emit(live, "missed", entry.tick, {});
          live.draining = false;
          this.#drainBacklog(live);
        },
        (error: unknown) => {
          this.#onError(error, live.name);
          live.draining = false;
          if (storeUnreachable(error)) this.#owedAgain(live, (skipped[0] as BacklogEntry).tick);
          else this.#drainBacklog(live);
        },
      );
      return;
    }
    const head = live.backlog[0];
    if (head === undefined || stateOf(live) !== "active") return;
    live.backlog.shift();
    live.draining = true;
    this.#tick(live, head.tick);
  }

  /**
   * The database was unreachable when `tick` was to be recorded: `tick` and every later
   * tick are owed again from the next wake, planned afresh by the catch-up policy (while
   * the database is away nobody can fire the trigger: those ticks count as missed while
   * down, not merely late). The backlog is dropped, so nothing drains past the gap.
   */
  #owedAgain(live: Live, tick: number): void {
    live.backlog.length = 0;
    live.tickedUpTo = Math.min(live.tickedUpTo, tick - 1);
    live.since = Math.max(live.since, this.clock.now());
  }

  /** One scheduled tick: ask the poll function (if any), then fire or record why not. */
  #tick(live: Live, scheduledAt: number): void {
    const definition = live.definition as TriggerDefinition;
    live.tickedUpTo = Math.max(live.tickedUpTo, scheduledAt);
    let unreachable = false;
    void this.#serial(live, async () => {
      const polled = definition.pollFn
        ? await this.#poll(live, definition)
        : { payload: definition.payload ?? {} };
      if (!this.#owns(live)) {
        // Stopped (or stepped down, or the trigger was given up) while this tick waited its turn or polled: stop()
        // means no new fire. Nothing was written, so the tick stays owed to the next start.
        live.tickedUpTo = Math.min(live.tickedUpTo, scheduledAt - 1);
        return;
      }
      const now = this.clock.now();
      if ("payload" in polled) {
        await this.#step(live, {
          type: "TICK",
          scheduledAt,
          runId: randomUUID(),
          eventId: randomUUID(),
          payload: polled.payload,
        });
        return;
      }
      const reason = polled.error === undefined ? "poll_empty" : "poll_failed";
      await this.#step(live, { type: "TICK_SKIPPED", scheduledAt, reason }, [
        skippedRow(live.name, scheduledAt, now, reason, polled.error?.message ?? null),
      ]);
      this.#emit(live, reason, scheduledAt, polled.error ? { error: polled.error.message } : {});
    })
      .catch((error: unknown) => {
        // The commit failed (locked, full or read-only disk): nothing was written, so the
        // tick is owed again and the next wake records it (late: missed, or fired).
        live.tickedUpTo = Math.min(live.tickedUpTo, scheduledAt - 1);
        if (storeUnreachable(error)) {
          unreachable = true;
          this.#owedAgain(live, scheduledAt);
        }
        this.#onError(error, live.name);
      })
      .finally(() => {
        if (unreachable) {
          // Nothing drains while the database is away; the next wake plans again.
          live.draining = false;
          return;
        }
        // A backlog tick that did not start a run frees the backlog for the next one.
        if (live.draining && live.runs.size === 0 && stateOf(live) !== "firing") {
          live.draining = false;
          this.#drainBacklog(live);
        }
      });
  }

  /** Calls the poll function with its timeout (measured on the injected clock). */
  async #poll(
    live: Live,
    definition: TriggerDefinition,
  ): Promise<{ payload: Record<string, unknown> } | { error: PollFailed | undefined }> {
    const pollFn = definition.pollFn;
    if (pollFn === undefined) return { payload: definition.payload ?? {} };
    const controller = new AbortController();
    let abandon = () => {};
    const abandoned = new Promise<never>((_, reject) => {
      abandon = () => {
        controller.abort();
        reject(
          new PollFailed({ name: live.name, reason: "was abandoned: the supervisor stopped" }),
        );
      };
    });
    abandoned.catch(() => {});
    this.#pollAborts.add(abandon);
    let cancel = () => {};
    const timeout = new Promise<never>((_, reject) => {
      cancel = this.clock.setTimer(this.clock.now() + definition.pollTimeout, () => {
        controller.abort();
        reject(
          new PollFailed({
            name: live.name,
            reason: `did not answer within ${definition.pollTimeout} ms (pollTimeout)`,
          }),
        );
      });
    });
    try {
      const value = await Promise.race([
        Promise.resolve().then(() => pollFn(controller.signal)),
        timeout,
        abandoned,
      ]);
      if (value === null || value === undefined) return { error: undefined };
      if (typeof value !== "object" || Array.isArray(value)) {
        return {
          error: new PollFailed({
            name: live.name,
            reason: `returned ${Array.isArray(value) ? "an array" : `a ${typeof value}`}; return an object (the payload) or null to skip the tick`,
          }),
        };
      }
      return { payload: value };
    } catch (error) {
      return {
        error:
          error instanceof PollFailed
            ? error
            : new PollFailed({
                name: live.name,
                reason: `threw: ${error instanceof Error ? error.message : String(error)}`,
                cause: error,
              }),
      };
    } finally {
      cancel();
      this.#pollAborts.delete(abandon);
    }
  }

  #emit(
    live: Live,
    kind: ManagerEvent["kind"],
    scheduledAt: number | null,
    extra: { runId?: string; status?: string; error?: string },
  ): void {
    this.#logger?.info(
      {
        trigger: live.name,
        ...(scheduledAt === null ? {} : { scheduledAt: new Date(scheduledAt).toISOString() }),
        ...extra,
      },
      kind,
    );
    try {
      this.#onEvent({
        trigger: live.name,
        kind,
        at: new Date(this.clock.now()),
        ...(scheduledAt === null ? {} : { scheduledAt: new Date(scheduledAt) }),
        ...extra,
      });
    } catch (error) {
      this.#onError(error, live.name);
    }
  }
}

/** `error` itself or the first error it wraps (by `cause`) that satisfies `test`. */
function causeMatching<T>(error: unknown, test: (e: unknown) => e is T): T | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    if (test(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `error` (or what it wraps) says the database could not be reached. */
const storeUnreachable = (error: unknown): boolean =>
  causeMatching(error, isDatabaseUnreachable) !== undefined;

/**
 * One fence that holds exactly when all of `fences` do: the union of trigger fences of
 * one owner (a trigger at most once, at one epoch), or one database fence repeated.
 * `undefined` when they cannot be merged (each is then checked alone).
 */
function mergeFences(fences: readonly (Fence | undefined)[]): Fence | undefined {
  const [first] = fences;
  if (first === undefined) return undefined;
  if (first.kind === "database") {
    const same = fences.every(
      (f) => f?.kind === "database" && f.owner === first.owner && f.epoch === first.epoch,
    );
    return same ? first : undefined;
  }
  const epochs = new Map<string, number>();
  for (const fence of fences) {
    if (fence?.kind !== "triggers" || fence.owner !== first.owner) return undefined;
    for (const [trigger, epoch] of fence.epochs) {
      const seen = epochs.get(trigger);
      if (seen !== undefined && seen !== epoch) return undefined;
      epochs.set(trigger, epoch);
    }
  }
  return { kind: "triggers", owner: first.owner, epochs };
}

/** The `LeaseLost` that `error` is or wraps (a fenced run-history write), if any. */
const findLeaseLost = (error: unknown): LeaseLost | undefined =>
  causeMatching(error, (e): e is LeaseLost => e instanceof LeaseLost);

function finalStatus(status: string): DagRunResult["status"] {
  return status === "completed" || status === "paused" || status === "interrupted"
    ? status
    : "failed";
}

function input(definition: TriggerDefinition) {
  return { name: definition.name, overlap: definition.overlap };
}

function configOf(definition: TriggerDefinition): Record<string, unknown> {
  return {
    schedule: definition.schedule?.expression ?? null,
    timezone: definition.schedule?.timezone ?? null,
    overlap: definition.overlap,
    catchUp: definition.catchUp,
    maxCatchUp: definition.maxCatchUp,
    catchUpWindow: definition.catchUpWindow ?? null,
    pollTimeout: definition.pollTimeout,
    hasPollFn: definition.pollFn !== undefined,
    payload: definition.payload ?? null,
  };
}

/** The ledger row of a fire (a tick or a push) with its status. */
function fireRow(
  name: string,
  fire: FireRef,
  now: number,
  status: "running" | "skipped_overlap" | "buffered",
): TriggerWrite & { kind: "insertEvent" } {
  return {
    kind: "insertEvent",
    eventId: fire.eventId,
    name,
    firedAt: now,
    scheduledAt: fire.scheduledAt,
    runId: fire.runId,
    payload: fire.payload,
    status,
    error: null,
  };
}

/** The ledger row of a tick that did not fire: missed, or a poll that gave nothing. */
function skippedRow(
  name: string,
  tick: number,
  now: number,
  status: "missed" | "poll_empty" | "poll_failed",
  reason: string | null,
): TriggerWrite {
  return {
    kind: "insertEvent",
    eventId: randomUUID(),
    name,
    firedAt: now,
    scheduledAt: tick,
    runId: null,
    payload: null,
    status,
    error: reason,
  };
}

function missedRow(name: string, tick: number, now: number, reason: string): TriggerWrite {
  return skippedRow(name, tick, now, "missed", reason);
}
