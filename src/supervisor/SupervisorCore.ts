import { randomUUID } from "node:crypto";
import type * as Context from "effect/Context";
import { type InspectionEvent, initialTransition, transition } from "xstate";
import {
  type SupervisorEvent,
  type SupervisorSnapshot,
  type SupervisorStateValue,
  supervisorMachine,
  supervisorStateOf,
} from "../../machines/supervisor.machine.js";
import { TriggerNotFound } from "../namespace/errors.js";
import type { Namespace } from "../namespace/Namespace.js";
import { nearest } from "../namespace/nearest.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import { NullProvenance } from "../provenance/NullProvenance.js";
import type { ProvenanceProvider } from "../run/DagRunner.js";
import type { Logger } from "../run/Logger.js";
import { type Clock, SystemClock } from "../schedule/Clock.js";
import { lifecycleChanged } from "../telemetry/supervisorMetrics.js";
import type { TriggerLease } from "../trigger/TriggerBackend.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";
import type { Backfills } from "./Backfills.js";
import type { CommandInbox } from "./CommandInbox.js";
import type { DatabaseLease } from "./DatabaseLease.js";
import type { DataTriggers } from "./DataTriggers.js";
import type { FaultHook, FaultStep } from "./FaultStep.js";
import type { FirePath } from "./FirePath.js";
import type { Live } from "./Live.js";
import { MachineStepper } from "./MachineStepper.js";
import type { ManagerEvent, ManagerStatus, TriggerManagerOptions } from "./ManagerOptions.js";
import type { Poller } from "./Poller.js";
import type { Pruner } from "./Pruner.js";
import type { RunsInFlight } from "./RunsInFlight.js";
import type { Scheduler } from "./Scheduler.js";
import { TimerQueue } from "./TimerQueue.js";
import type { TriggerActivation } from "./TriggerActivation.js";
import type { TriggerLoader } from "./TriggerLoader.js";
import type { TriggerShares } from "./TriggerShares.js";

/** What the supervisor does for each named action of its lifecycle machine. */
export interface LifecycleEffects {
  readonly stepDown: () => void;
  readonly beginStop: () => void;
}

/**
 * What every part of a supervisor shares: its options, its lifecycle (the supervisor
 * machine's snapshot), the triggers it works, and the parts themselves, so each part
 * reaches the others through here and no part imports another.
 *
 * @example
 * ```ts
 * const core = new SupervisorCore(options);
 * core.send({ type: "START" });
 * core.state; // "starting"
 * ```
 */
export class SupervisorCore {
  readonly namespace: Namespace;
  readonly store: TriggerStore;
  readonly provenance: ProvenanceProvider;
  readonly clock: Clock;
  readonly ownerId: string;
  readonly leaseMs: number;
  readonly mode: "database" | "trigger";
  readonly logger: Logger | undefined;
  readonly services: Context.Context<never> | undefined;
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
  readonly onError: (error: unknown, trigger: string | undefined) => void;
  readonly #onEvent: (event: ManagerEvent) => void;
  readonly #faults: FaultHook;
  readonly retentionOptions: TriggerManagerOptions["retention"];

  readonly live = new Map<string, Live>();
  readonly timers = new TimerQueue();
  readonly stepper = new MachineStepper();
  /** Per-trigger leases held: trigger → epoch. */
  readonly owned = new Map<string, number>();
  /** The trigger leases as last read (for status and command routing). */
  leaseView: readonly TriggerLease[] = [];
  /** Ticks due before this instant were missed while the process was down. */
  startedAt = Number.NEGATIVE_INFINITY;

  #life: SupervisorSnapshot;
  #effects: LifecycleEffects = { stepDown: () => {}, beginStop: () => {} };

  // The parts, set once by the facade right after construction.
  loader!: TriggerLoader;
  activation!: TriggerActivation;
  fires!: FirePath;
  runs!: RunsInFlight;
  scheduler!: Scheduler;
  poller!: Poller;
  lease!: DatabaseLease;
  shares!: TriggerShares;
  commands!: CommandInbox;
  pruner!: Pruner;
  backfills!: Backfills;
  data!: DataTriggers;

  constructor(options: TriggerManagerOptions) {
    this.namespace = options.namespace;
    this.store = options.store;
    this.provenance = options.provenance ?? NullProvenance;
    this.clock = options.clock ?? new SystemClock();
    this.ownerId = options.ownerId ?? randomUUID();
    this.#onEvent = options.onEvent ?? (() => {});
    this.logger = options.logger;
    this.services = options.services;
    this.inspect = options.inspect;
    // The library prints nothing by itself: errors go to `onError` and to the logger,
    // when given (the CLI gives both).
    const reportError = options.onError ?? (() => {});
    this.onError = (error, trigger) => {
      this.logger?.error(
        {
          ...(trigger ? { trigger } : {}),
          error: error instanceof Error ? error.message : String(error),
        },
        "supervisor error",
      );
      reportError(error, trigger);
    };
    this.leaseMs = options.leaseMs ?? 15_000;
    this.mode = options.leases ?? (this.store.kind === "postgres" ? "trigger" : "database");
    this.#faults = options.faults ?? (() => {});
    this.retentionOptions = options.retention;
    [this.#life] = initialTransition(supervisorMachine, { mode: this.mode });
  }

  /** A trigger's definition: the namespace's (code) first, else a data trigger's. */
  definitionOf(name: string): TriggerDefinition | undefined {
    return this.namespace.hasTrigger(name) ? this.namespace.getTrigger(name) : this.data.get(name);
  }

  /** Whether code or data defines a trigger with this name. */
  hasTrigger(name: string): boolean {
    return this.definitionOf(name) !== undefined;
  }

  /** A trigger's definition (code or data); throws `TriggerNotFound` with the nearest names. */
  getTrigger(name: string): TriggerDefinition {
    const definition = this.definitionOf(name);
    if (definition !== undefined) return definition;
    const names = [
      ...this.namespace.listTriggers().map((t) => t.name),
      ...this.data.list().map((t) => t.name),
    ];
    throw new TriggerNotFound({ name, nearest: nearest(name, names) });
  }

  /** Every trigger definition, code and data, sorted by name. */
  listTriggers(): readonly TriggerDefinition[] {
    return [...this.namespace.listTriggers(), ...this.data.list()].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
  }

  /** Sets what the lifecycle's named actions do (the facade's stop and step-down). */
  setEffects(effects: LifecycleEffects): void {
    this.#effects = effects;
  }

  /**
   * Moves the lifecycle: the pure transition first, then its named actions. Returns
   * the new state.
   */
  send(event: SupervisorEvent): SupervisorStateValue {
    const [next, actions] = transition(supervisorMachine, this.#life, event);
    if (next.value !== this.#life.value) lifecycleChanged(this, supervisorStateOf(next));
    this.#life = next;
    for (const action of actions) {
      if (action.type === "stepDown") this.#effects.stepDown();
      else if (action.type === "beginStop") this.#effects.beginStop();
    }
    return this.state;
  }

  /** The lifecycle state. */
  get state(): SupervisorStateValue {
    return supervisorStateOf(this.#life);
  }

  /** The database lease epoch held (leading, or stopping with it still to release). */
  get epoch(): number | undefined {
    return this.#life.context.epoch;
  }

  /** The database lease holder as last read. */
  get holder(): string | undefined {
    return this.#life.context.holder;
  }

  /** Leader of the database lease. */
  get leading(): boolean {
    return this.state === "leading";
  }

  /** Firing what it owns: the timers, the heartbeat and the command inbox run. */
  get active(): boolean {
    return this.state === "leading" || this.state === "member";
  }

  /**
   * Runs end without committing their end (stopping, or stepped down to standby): the
   * next holder resumes them from provenance. A stopped supervisor fires by hand and
   * records ends itself.
   */
  get abandoning(): boolean {
    return this.state === "stopping" || this.state === "standby";
  }

  /** A standby (or a database-lease supervisor still trying the lease) is not the leader. */
  get standingBy(): boolean {
    return this.state === "standby" || (this.state === "starting" && this.mode === "database");
  }

  /** Whether this supervisor may fire `live` now (and `live` is the current one). */
  owns(live: Live): boolean {
    if (this.mode === "database") return this.state === "leading";
    return (
      this.state === "member" &&
      !live.lost &&
      live.epoch !== undefined &&
      this.owned.get(live.name) === live.epoch
    );
  }

  fault(step: FaultStep, triggers: readonly string[], runId?: string): void {
    this.#faults(step, runId === undefined ? { triggers } : { triggers, runId });
  }

  /** Reports a fire, end, skip or failure to the log and to `onEvent`. */
  emit(
    live: Live,
    kind: ManagerEvent["kind"],
    scheduledAt: number | null,
    extra: { runId?: string; status?: string; error?: string },
  ): void {
    this.logger?.info(
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
      this.onError(error, live.name);
    }
  }

  /** The role, the leases and who owns each trigger (`manager.status()`). */
  status(): ManagerStatus {
    const state = this.state;
    const role =
      state === "leading"
        ? "leader"
        : state === "member" || state === "standby"
          ? state
          : state === "starting"
            ? this.mode === "trigger"
              ? "member"
              : "standby"
            : "stopped";
    const owned =
      this.mode === "database"
        ? role === "leader"
          ? [...this.live.keys()].sort()
          : []
        : [...this.owned.keys()].sort();
    const owners: Record<string, string> = {};
    if (this.mode === "database") {
      if (this.holder !== undefined)
        for (const name of this.live.keys()) owners[name] = this.holder;
    } else {
      const now = this.clock.now();
      for (const lease of this.leaseView) {
        if (lease.expiresAt.getTime() > now) owners[lease.triggerName] = lease.ownerId;
      }
    }
    for (const name of owned) owners[name] = this.ownerId;
    return {
      role,
      ownerId: this.ownerId,
      leases: this.mode,
      epoch: this.epoch,
      holder: this.holder,
      owned,
      owners,
    };
  }
}
