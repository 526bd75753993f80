import type { TriggerStateValue } from "../../machines/trigger.types.js";
import type { RunLookup, TriggerInspection } from "../inspect/inspect.js";
import type { Namespace } from "../namespace/Namespace.js";
import { InvalidRetention } from "../retention/errors.js";
import type { PruneReport } from "../retention/pruneHistory.js";
import type { DagRunResult, ProvenanceProvider } from "../run/DagRunner.js";
import type { Clock } from "../schedule/Clock.js";
import { readDuration } from "../schedule/parseDuration.js";
import { loadOtelApi } from "../telemetry/otelApi.js";
import type { BackfillRecord } from "../trigger/backfillRecords.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";
import type { BackfillHandle, BackfillOptions } from "./BackfillOptions.js";
import { Backfills } from "./Backfills.js";
import { CommandInbox } from "./CommandInbox.js";
import { DatabaseLease } from "./DatabaseLease.js";
import { DataTriggers } from "./DataTriggers.js";
import type { DataTriggerChange, DataTriggerDefinition } from "./dataTriggerSpec.js";
import { ManagerAlreadyStarted } from "./errors.js";
import { FirePath } from "./FirePath.js";
import { stateOf } from "./Live.js";
import type {
  CursorSetOptions,
  FireOptions,
  HealthOptions,
  ManagerStatus,
  StatusChangeOptions,
  StopOptions,
  SupervisorHealth,
  TriggerManagerOptions,
} from "./ManagerOptions.js";
import { PollCursors } from "./PollCursors.js";
import { Poller } from "./Poller.js";
import { Pruner } from "./Pruner.js";
import { RunsInFlight } from "./RunsInFlight.js";
import { Scheduler } from "./Scheduler.js";
import { SupervisorCore } from "./SupervisorCore.js";
import { haltSupervisor, stopSupervisor } from "./stopSupervisor.js";
import { supervisorHealth } from "./supervisorHealth.js";
import { TriggerActivation } from "./TriggerActivation.js";
import { TriggerLoader } from "./TriggerLoader.js";
import { TriggerShares } from "./TriggerShares.js";

export type {
  CursorSetOptions,
  FireOptions,
  MachineInspectionEvent,
  ManagerEvent,
  ManagerStatus,
  StatusChangeOptions,
  StopOptions,
  TriggerManagerOptions,
} from "./ManagerOptions.js";

/**
 * The supervisor: runs every activated trigger of a namespace as a state machine,
 * fires DAG runs on cron ticks, poll results and pushes, and records each fire before
 * it starts (write-ahead) so a crash or restart neither loses nor doubles one.
 *
 * A facade: its own life is the supervisor lifecycle machine
 * (`machines/supervisor.machine.ts`); the work is done by named parts (the database
 * lease, the trigger shares, the command inbox, the scheduler, the fire path, the runs
 * in flight, polling) that share one `SupervisorCore`.
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
  readonly #core: SupervisorCore;
  readonly #cursors: PollCursors;
  /** The start in progress: a stop() that comes meanwhile waits for it. */
  #starting: Promise<void> | undefined;
  /** The stop in progress: every stop() call meanwhile shares it. */
  #stopping: Promise<void> | undefined;

  constructor(options: TriggerManagerOptions) {
    const core = new SupervisorCore(options);
    core.loader = new TriggerLoader(core);
    core.activation = new TriggerActivation(core);
    core.fires = new FirePath(core);
    core.runs = new RunsInFlight(core);
    core.scheduler = new Scheduler(core);
    core.poller = new Poller(core);
    core.lease = new DatabaseLease(core);
    core.shares = new TriggerShares(core);
    core.commands = new CommandInbox(core);
    core.pruner = new Pruner(core);
    core.backfills = new Backfills(core);
    core.data = new DataTriggers(core);
    core.setEffects({
      stepDown: () => core.lease.onStepDown(),
      beginStop: () => haltSupervisor(core),
    });
    this.#core = core;
    this.#cursors = new PollCursors(core);
    this.namespace = core.namespace;
    this.store = core.store;
    this.provenance = core.provenance;
    this.clock = core.clock;
    this.ownerId = core.ownerId;
  }

  /** Whether `start()` has run and `stop()` has not finished (leader, standby or member). */
  get started(): boolean {
    return this.#core.state !== "stopped";
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
    return this.#core.status();
  }

  /**
   * Whether this supervisor is healthy, for a container probe: `ok` is true when the
   * store answers a read and either it fires (leader or member) with no due tick more
   * than `maxOverdueMs` (default 30 s) late, or it is a standby; a stopped supervisor is
   * not ok. See {@link SupervisorHealth} for each field. From another process, use
   * `tickflow health`.
   *
   * @example
   * ```ts
   * const { ok, reasons } = await manager.health({ maxOverdueMs: 60_000 });
   * ```
   */
  health(options: HealthOptions = {}): Promise<SupervisorHealth> {
    return supervisorHealth(this.#core, options);
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
          this.#core.onError(error, undefined);
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

  /**
   * Writes the trigger's activation record with status `active`. Re-activating a
   * disabled trigger keeps its history. Nothing runs until `start()`. With shared
   * triggers, a trigger another supervisor owns is left to it: nothing to do when it is
   * active, else an activate command is queued for the owner. `note` and `by` say why and
   * who (kept with the time; shown by `status`, `explain` and `inspect()`). Throws
   * `TriggerNotFound`, `NsrefNotFound` (its DAG), or the store's errors.
   *
   * @example
   * ```ts
   * await manager.activate("hourly_market", { note: "vendor API back", by: "alice" });
   * ```
   */
  activate(name: string, options: StatusChangeOptions = {}): Promise<void> {
    return this.#core.activation.activate(name, options);
  }

  /**
   * Creates or changes a trigger defined as data, at run time: stored in the trigger
   * database (each change journaled), it survives restarts and every supervisor sharing
   * the database applies it within a heartbeat (this one at once, when it leads or owns
   * it, or is not started). A new trigger is activated; a changed one adopts its policy
   * and moves on with its new schedule from now, without a fire the old schedule owed
   * nothing for. The definition is JSON with the fields of `registerTrigger`, a poll
   * function named by `pollNsref`; validated as `registerTrigger` validates (typed
   * errors), plus `TriggerDefinitionNotJson`, `DataTriggerRefUnknown` (DAG or poll
   * function not registered) and `CodeDefinedTrigger` (the name is a code trigger's).
   * `by` is kept with the change.
   *
   * @example
   * ```ts
   * await manager.upsertTrigger({
   *   name: "customer_42",
   *   dagNsref: "reports:daily",
   *   triggerType: "cron",
   *   schedule: "0 7 * * *",
   *   timezone: "Europe/Berlin",
   *   payload: { customerId: 42 },
   * });
   * ```
   */
  upsertTrigger(
    definition: DataTriggerDefinition,
    options: { readonly by?: string } = {},
  ): Promise<DataTriggerChange> {
    return this.#core.data.upsert(definition, options.by);
  }

  /**
   * Removes a trigger defined as data: it stops firing (deactivated, noted as removed; a
   * run in flight finishes and is recorded), its history stays, and its name may be
   * defined again. Throws `DataTriggerNotFound`, or `CodeDefinedTrigger` for a code
   * trigger's name.
   *
   * @example
   * ```ts
   * await manager.removeTrigger("customer_42", { by: "billing-service" });
   * ```
   */
  removeTrigger(name: string, options: { readonly by?: string } = {}): Promise<DataTriggerChange> {
    return this.#core.data.remove(name, options.by);
  }

  /**
   * A poll trigger's last committed cursor (what its `pollFn` gets as `ctx.cursor`), or
   * `undefined` when none was committed. Throws `TriggerNotFound` if it was never
   * activated.
   *
   * @example
   * ```ts
   * const since = await manager.cursor("inbox"); // 42
   * ```
   */
  cursor(name: string): Promise<unknown> {
    return this.#cursors.read(name);
  }

  /**
   * Resets a poll trigger's cursor (`undefined` clears it), journaled with `by` and
   * `note`; the next poll gets it. Throws `CursorInvalid` when JSON cannot carry it,
   * `TriggerNotFound`, `NotLeader` or `NotOwner`.
   *
   * @example
   * ```ts
   * await manager.setCursor("inbox", 0, { by: "alice", note: "replay since the start" });
   * ```
   */
  setCursor(name: string, cursor: unknown, options: CursorSetOptions = {}): Promise<void> {
    return this.#cursors.set(name, cursor, options);
  }

  /**
   * Stops a trigger from firing, at once; it stays in the database as `disabled` (a run
   * in flight finishes). `note` and `by` say why and who (a pause with a note). Throws
   * `TriggerNotFound` if it was never activated.
   *
   * @example
   * ```ts
   * await manager.deactivate("hourly_market", { note: "vendor API down, INC-42", by: "alice" });
   * ```
   */
  deactivate(name: string, options: StatusChangeOptions = {}): Promise<void> {
    return this.#core.activation.deactivate(name, options);
  }

  /**
   * Starts supervising: restores every trigger from its stored state, resumes runs that
   * were in flight when the process stopped, catches up missed ticks by policy, and arms
   * one timer for the earliest tick. Throws `ManagerAlreadyStarted` if already running
   * (or still stopping).
   *
   * @example
   * ```ts
   * await manager.start();
   * ```
   */
  async start(): Promise<void> {
    const core = this.#core;
    if (core.state !== "stopped") throw new ManagerAlreadyStarted({ ownerId: this.ownerId });
    core.send({ type: "START" });
    const starting = this.#start();
    this.#starting = starting;
    try {
      await starting;
    } finally {
      if (this.#starting === starting) this.#starting = undefined;
    }
  }

  async #start(): Promise<void> {
    const core = this.#core;
    await loadOtelApi(); // an optional peer: telemetry stays off without it
    try {
      // A PostgreSQL store connects and migrates here: a wrong URL fails start() with a
      // typed error naming the host and the reason.
      await core.store.ready();
    } catch (error) {
      core.send({ type: "START_FAILED" });
      throw error;
    }
    if (core.mode === "trigger") await this.#join();
    else await core.lease.tryLead();
  }

  /** Shared triggers: join the other supervisors and take a fair share of the triggers. */
  async #join(): Promise<void> {
    const core = this.#core;
    core.startedAt = core.clock.now();
    // Start from the database: what was activated before start() is re-read under the
    // leases this supervisor still holds (the first heartbeat adopts them) — except a
    // trigger whose run (fired by hand before start) is still going: it is kept as is,
    // or the first heartbeat would resume that run a second time.
    const busy = [...core.live.values()].filter(
      (live) => live.runCount > 0 && !live.lost && live.epoch !== undefined,
    );
    core.live.clear();
    core.owned.clear();
    for (const live of busy) {
      core.live.set(live.name, live);
      core.owned.set(live.name, live.epoch as number);
      live.since = core.startedAt;
    }
    if (core.send({ type: "JOINED" }) !== "member") return;
    try {
      await core.data.read();
      await core.shares.share();
    } catch (error) {
      core.send({ type: "START_FAILED" });
      throw error;
    }
    core.shares.loop();
    for (const live of busy) if (core.owns(live)) core.scheduler.schedule(live);
    core.scheduler.arm();
    core.commands.watch();
    core.pruner.start();
    // Data triggers created or removed while no supervisor ran.
    await core.data.settle().catch((error: unknown) => core.onError(error, undefined));
  }

  /**
   * Stops supervising: no new fires; runs in flight get `graceMs` to finish, then are
   * interrupted (recorded `interrupted`, resumed by the next `start()`); the leases are
   * released. Returns within `graceMs` plus about a second whatever a poll or a node
   * does. A `stop()` during `start()` waits for the start to settle, then stops; calls
   * during a stop share its promise. Safe to call when not started.
   *
   * @example
   * ```ts
   * await manager.stop({ graceMs: 2_000 });
   * ```
   */
  stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    if (this.#core.state === "stopped") return Promise.resolve();
    const stopping = this.#stop(options.graceMs ?? 10_000).finally(() => {
      this.#stopping = undefined;
    });
    this.#stopping = stopping;
    return stopping;
  }

  async #stop(graceMs: number): Promise<void> {
    const core = this.#core;
    core.send({ type: "STOP" });
    // During `starting` the STOP is only recorded: the start's outcome goes to stopping.
    if (this.#starting !== undefined) await this.#starting.catch(() => {});
    if (core.state !== "stopping") return;
    try {
      await stopSupervisor(core, graceMs);
    } finally {
      core.send({ type: "STOPPED" });
    }
  }

  /**
   * Fires a trigger now (a push trigger, or a poll trigger by hand) with a payload, and
   * resolves to the run's result. Its nodes see `ctx.fire.kind` `"push"` (push trigger)
   * or `"manual"` (scheduled trigger; or as `options.kind` says). With `options.key`, a
   * key fired before answers that fire's run and result and starts nothing. Rejects with
   * `TriggerNotActive`, `PayloadInvalid`, `FireKeyInvalid`, `TriggerBusy` (overlap `skip`
   * while a fire runs; recorded `skipped_overlap`) or `TriggerNotFound`.
   *
   * @example
   * ```ts
   * const result = await manager.fire("orders", { orderId: 42 }, { key: "delivery-42" });
   * ```
   */
  async fire(
    name: string,
    payload: Record<string, unknown> = {},
    options: FireOptions = {},
  ): Promise<DagRunResult> {
    const { result } = await this.#core.fires.pushFire(name, payload, () => [], options);
    return result;
  }

  /**
   * Backfills a scheduled trigger: fires every tick of its schedule in `[from, to)` once,
   * in order, each run seeing `ctx.fire.kind === "backfill"` and its own `scheduledAt`
   * (the ledger rows say `backfill` too). Ticks already on record (any ledger row at that
   * instant: fired, skipped or missed) are not fired again unless `refire: true`. A `to`
   * later than now is cut to now. The backfill is stored and journaled: a crash resumes
   * it at the next start, without firing a tick twice or losing one. Live ticks go first:
   * a backfill tick starts only when the trigger's overlap policy would start it at once,
   * at most `overlap` (default 1) runs of the backfill at a time. Made before `start()`,
   * it runs once the supervisor runs. A range without ticks completes at once.
   * Throws `TriggerNotFound`, `BackfillNeedsSchedule` (a push or poll trigger without a
   * schedule), `BackfillInvalid` (a bad date, `from` not before `to`, a bad `overlap`),
   * `TriggerNotActive`, `NotLeader` or `NotOwner`.
   *
   * @example
   * ```ts
   * const { id, done } = await manager.backfill("hourly", {
   *   from: "2026-01-01T00:00:00Z",
   *   to: "2026-01-02T00:00:00Z",
   * });
   * const final = await done; // { status: "completed", fired: 24, skipped: 0, … }
   * ```
   */
  backfill(name: string, options: BackfillOptions): Promise<BackfillHandle> {
    return this.#core.backfills.create(name, options);
  }

  /**
   * Cancels a backfill: no further tick of it fires (its runs in flight finish). Resolves
   * to its record (a backfill already completed or cancelled is returned as it is).
   * Throws `BackfillNotFound`, `NotLeader` or `NotOwner`.
   *
   * @example
   * ```ts
   * await manager.cancelBackfill(id); // { status: "cancelled", fired: 3, … }
   * ```
   */
  cancelBackfill(id: string): Promise<BackfillRecord> {
    return this.#core.backfills.cancel(id);
  }

  /**
   * The stored backfills, newest first: all of them, or those of `trigger`.
   *
   * @example
   * ```ts
   * for (const b of await manager.backfills("hourly")) console.log(b.id, b.status, b.fired);
   * ```
   */
  backfills(trigger?: string): Promise<readonly BackfillRecord[]> {
    return this.store.listBackfills(trigger);
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
  /**
   * Prunes history now, as the background pruner does (see the `retention` option):
   * every kind older than its retention, or everything older than `olderThan`; with
   * `dryRun` it only counts. A running supervisor prunes what it owns, fenced by its
   * leases; a manager not started (the CLI's `tickflow prune`) prunes everything, its
   * caller holding the database lease. Throws `InvalidRetention` for a bad `olderThan`.
   *
   * @example
   * ```ts
   * const report = await manager.prune({ olderThan: "30d", dryRun: true });
   * console.log(`${report.events} ledger rows would go`);
   * ```
   */
  prune(
    options: { readonly olderThan?: string; readonly dryRun?: boolean } = {},
  ): Promise<PruneReport> {
    let olderThanMs: number | undefined;
    if (options.olderThan !== undefined) {
      olderThanMs = readDuration(options.olderThan);
      if (olderThanMs === undefined) {
        return Promise.reject(
          new InvalidRetention({ kind: "olderThan", value: options.olderThan }),
        );
      }
    }
    return this.#core.pruner.runOnce({
      ...(olderThanMs === undefined ? {} : { olderThanMs }),
      dryRun: options.dryRun ?? false,
    });
  }

  async inspect(): Promise<readonly TriggerInspection[]> {
    // The one reach from supervisor/ to inspect/ (which sits above it and reads the same
    // stores): a lazy import keeps the module graph one-way.
    const { inspect } = await import("../inspect/inspect.js");
    const provenance = this.provenance as Partial<RunLookup>;
    const core = this.#core;
    await core.data.ensureLoaded();
    return inspect(this.store, {
      // Code and data triggers alike.
      namespace: {
        hasTrigger: (name) => core.hasTrigger(name),
        listTriggers: () => core.listTriggers(),
      },
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
    return Object.fromEntries(
      [...this.#core.live.values()].map((live) => [live.name, stateOf(live)]),
    );
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
    const due = this.#core.timers.get(name);
    return due === undefined ? undefined : new Date(due);
  }
}
