import { nearest } from "../namespace/nearest.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import type { StoredDefinition } from "../trigger/definitionSql.js";
import type { StoredActivation } from "../trigger/records.js";
import { CodeDefinedTrigger, DataTriggerNotFound } from "./dataTriggerErrors.js";
import { type DataTriggerChange, dataTriggerSpec } from "./dataTriggerSpec.js";
import { serial, stateOf } from "./Live.js";
import { configOf } from "./ledgerRows.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/** What a removal writes as the trigger's status note. */
const REMOVED_NOTE = "removed (its data definition was removed)";

/** `ensureLoaded` once the definitions are read. */
const LOADED: Promise<void> = Promise.resolve();

/**
 * Triggers as data: definitions stored in the trigger database
 * (`trigger_definitions`, each change journaled), created, changed and removed while
 * the supervisors run. Every supervisor reads the definitions changed since the
 * highest version it has seen at each heartbeat (and right after a change it makes),
 * keeps them beside the namespace's code triggers, and applies each change to the
 * triggers it works: a new one is activated, a changed one adopts its policy and moves
 * on with its new schedule from now (as an edited code schedule does at a restart), a
 * removed one is deactivated (a run in flight finishes; its history stays).
 *
 * @example
 * ```ts
 * await core.data.sync();
 * core.data.get("customer_42")?.schedule?.expression;
 * ```
 */
export class DataTriggers {
  /** The highest version read. */
  #seen = 0;
  #loaded = false;
  /** The first read in progress, shared by the callers that wait for it. */
  #loading: Promise<void> | undefined;
  /** The usable definitions of standing data triggers. */
  readonly #definitions = new Map<string, TriggerDefinition>();
  /** Every data row read, standing or removed, by name. */
  readonly #rows = new Map<string, StoredDefinition>();
  /** Reads and applications in order: two at once would apply one change twice. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(readonly core: SupervisorCore) {}

  /** The data trigger's definition, unless code defines the name (code wins). */
  get(name: string): TriggerDefinition | undefined {
    return this.core.namespace.hasTrigger(name) ? undefined : this.#definitions.get(name);
  }

  /** Every standing, usable data trigger not shadowed by code. */
  list(): readonly TriggerDefinition[] {
    return [...this.#definitions.values()].filter((d) => !this.core.namespace.hasTrigger(d.name));
  }

  /**
   * Reads every definition once, if not read yet (a manager not started, say). Callers
   * that come while it is read wait for the same read: 10,000 activations issued together
   * read the definitions once, not once each. A failed read fails its waiters; the next
   * caller reads again.
   */
  ensureLoaded(): Promise<void> {
    if (this.#loaded) return LOADED;
    if (this.#loading === undefined) {
      const loading = this.#inOrder(async () => {
        if (!this.#loaded) await this.#refresh();
      }).finally(() => {
        if (this.#loading === loading) this.#loading = undefined;
      });
      this.#loading = loading;
    }
    return this.#loading;
  }

  /** Reads the changes since the last read into the catalog, applying nothing (see `settle`). */
  async read(): Promise<void> {
    await this.#inOrder(() => this.#refresh());
  }

  /**
   * Reads the changes since the last read, and applies them when this supervisor may
   * (leading, a member, or not started); a standby only reads them.
   */
  sync(): Promise<void> {
    return this.#inOrder(async () => {
      const changed = await this.#refresh();
      if (changed.length === 0 || !(await this.#mayApply())) return;
      await this.#applyAll(changed, await this.core.store.loadActivations(changed));
    });
  }

  /**
   * After taking the lead or joining: reads the changes, then brings every data trigger
   * in line with its definition (new ones activated, removed ones deactivated) —
   * changes made while no supervisor ran. `stored` are the activations just loaded.
   */
  settle(stored?: readonly StoredActivation[]): Promise<void> {
    return this.#inOrder(async () => {
      await this.#refresh();
      const names = [...this.#rows.keys()];
      if (names.length === 0 || !(await this.#mayApply())) return;
      await this.#applyAll(names, stored ?? (await this.core.store.loadActivations(names)));
    });
  }

  /** See `TriggerManager.upsertTrigger`. */
  async upsert(input: unknown, by: string | undefined): Promise<DataTriggerChange> {
    const core = this.core;
    const { definition, json } = dataTriggerSpec(core.namespace, input);
    await core.store.ready();
    // Up to date first: whether it is created or updated is the database's answer.
    await this.read();
    const standing = this.#rows.get(definition.name)?.removedAt === undefined;
    const existed = this.#rows.has(definition.name) && standing;
    const version = await core.store.writeDefinition({
      name: definition.name,
      json,
      by: by ?? null,
      at: core.clock.now(),
    });
    await this.sync();
    return { name: definition.name, action: existed ? "updated" : "created", version };
  }

  /** See `TriggerManager.removeTrigger`. */
  async remove(name: string, by: string | undefined): Promise<DataTriggerChange> {
    const core = this.core;
    if (core.namespace.hasTrigger(name))
      throw new CodeDefinedTrigger({ name, operation: "remove" });
    await core.store.ready();
    await this.#inOrder(() => this.#refresh());
    const row = this.#rows.get(name);
    if (row === undefined || row.removedAt !== undefined) {
      const standing = [...this.#rows.values()].filter((r) => r.removedAt === undefined);
      throw new DataTriggerNotFound({
        name,
        nearest: nearest(
          name,
          standing.map((r) => r.name),
        ),
      });
    }
    const version = await core.store.writeDefinition({
      name,
      json: null,
      by: by ?? null,
      at: core.clock.now(),
    });
    await this.sync();
    return { name, action: "removed", version };
  }

  #inOrder<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(task);
    this.#chain = result.catch(() => undefined);
    return result;
  }

  /**
   * Leading or a member; or not started while no supervisor runs on the database (a
   * service's API process, the CLI holding the lease): a running supervisor keeps its
   * triggers in memory, so it applies the change itself, at its next heartbeat.
   */
  async #mayApply(): Promise<boolean> {
    const core = this.core;
    if (core.state !== "stopped") return this.#serving();
    const now = core.clock.now();
    // The CLI holds the lease as "<ownerId> (tickflow <command>)".
    const other = (owner: string, expiresAt: Date) =>
      expiresAt.getTime() > now && !owner.startsWith(core.ownerId);
    if (core.mode === "database") {
      const holder = await core.store.leaseHolder();
      return holder === undefined || !other(holder.ownerId, holder.expiresAt);
    }
    const leases = await core.store.triggerLeases();
    return !leases.some((lease) => other(lease.ownerId, lease.expiresAt));
  }

  /** Leading or a member, or not started (see `#mayApply`). */
  #serving(): boolean {
    const state = this.core.state;
    return state === "leading" || state === "member" || state === "stopped";
  }

  /** Reads the changes since the last read into the catalog; the names changed. */
  async #refresh(): Promise<string[]> {
    const core = this.core;
    const rows = await core.store.definitionsSince(this.#seen);
    this.#loaded = true;
    const changed: string[] = [];
    for (const row of rows) {
      if (row.version <= this.#seen) continue;
      this.#seen = row.version;
      this.#rows.set(row.name, row);
      changed.push(row.name);
      this.#definitions.delete(row.name);
      if (row.definitionJson === undefined) continue;
      if (core.namespace.hasTrigger(row.name)) {
        // Code wins: a data definition stored before the code defined the name is not used.
        core.onError(new CodeDefinedTrigger({ name: row.name, operation: "upsert" }), row.name);
        continue;
      }
      try {
        const parsed: unknown = JSON.parse(row.definitionJson);
        this.#definitions.set(row.name, dataTriggerSpec(core.namespace, parsed).definition);
      } catch (error) {
        // Checked when written, so only a namespace that no longer registers its DAG or
        // poll function gets here: reported, and the trigger is not worked here.
        core.onError(error, row.name);
      }
    }
    return changed;
  }

  async #applyAll(names: readonly string[], stored: readonly StoredActivation[]): Promise<void> {
    const activations = new Map(stored.map((s) => [s.record.name, s]));
    for (const name of new Set(names)) {
      if (this.core.namespace.hasTrigger(name) || !this.#serving()) continue;
      try {
        await this.#apply(name, activations.get(name));
      } catch (error) {
        this.core.onError(error, name);
      }
    }
  }

  /** Brings one data trigger in line with its definition (see the class). */
  async #apply(name: string, stored: StoredActivation | undefined): Promise<void> {
    const core = this.core;
    const row = this.#rows.get(name);
    if (row === undefined) return;
    const definition = this.#definitions.get(name);
    const by = row.changedBy;
    if (row.removedAt !== undefined || definition === undefined) {
      if (row.removedAt !== undefined && stored?.record.status === "active") {
        await this.#retire(name, by);
      }
      return;
    }
    const disabledAt = stored?.record.statusNote?.at.getTime() ?? Number.NEGATIVE_INFINITY;
    if (
      stored === undefined ||
      (stored.record.status === "disabled" && disabledAt <= row.createdAt.getTime())
    ) {
      // New (or re-created after a removal): activated. Under shared triggers the
      // supervisor that claims it activates it; the others leave it.
      await core.activation.activate(
        name,
        { note: "created (defined as data)", ...(by === undefined ? {} : { by }) },
        { queue: false },
      );
      return;
    }
    let live = core.live.get(name);
    if (live === undefined && core.leading) {
      // Activated by another process while this one led (a manager not started that saw
      // no supervisor): taken up as on a restart.
      live = core.loader.restore(stored, definition);
      live.since = core.clock.now();
      core.live.set(name, live);
      core.scheduler.resumeAndSchedule(live);
      return;
    }
    if (live === undefined || live.lost || !(core.owns(live) || core.state === "stopped")) return;
    // Changed: the definition is adopted as an edited code definition is at a restart —
    // the policy by a journaled CONFIGURE, the schedule from now (no surprise fire).
    live.definition = definition;
    const config = configOf(definition);
    const same =
      stored.record.dagNsref === definition.dagNsref &&
      JSON.stringify(stored.record.config) === JSON.stringify(config);
    if (same) {
      // Nothing the record holds changed (a restart reading it again): the policy only.
      await serial(live, () => core.fires.adoptPolicy(live, definition));
      return;
    }
    await core.scheduler.adoptEditedSchedules([stored], core.clock.now());
    // The stored record says what the trigger now is (status, explain), whatever changed.
    const record = {
      kind: "upsertActivation" as const,
      name,
      dagNsref: definition.dagNsref,
      triggerType: definition.triggerType,
      status: stored.record.status,
      config,
      at: live.activatedAt,
    };
    await serial(live, () => core.fires.group.commit([record], () => {}, name));
    core.timers.delete(name);
    core.scheduler.schedule(live);
  }

  /** A removed data trigger stops firing: deactivated, its run in flight finishes. */
  async #retire(name: string, by: string | undefined): Promise<void> {
    const core = this.core;
    await core.loader.ensureLoaded();
    let live = core.live.get(name);
    if (core.mode === "trigger" && (live === undefined || live.lost || !core.owns(live))) {
      // Its owner retires it; one nobody owns goes to whoever claims it first.
      if (core.state === "member" && core.shares.ownerOf(name) !== undefined) return;
      if (!(await core.shares.ensureOwned(name))) return;
      live = core.live.get(name);
    }
    if (live === undefined || live.lost) return;
    if (!(core.owns(live) || core.state === "stopped")) return;
    const target = live;
    core.timers.delete(name);
    if (stateOf(target) === "disabled") return;
    await serial(target, () =>
      core.activation.disable(target, {
        note: REMOVED_NOTE,
        ...(by === undefined ? {} : { by }),
      }),
    );
  }
}
