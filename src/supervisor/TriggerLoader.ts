import {
  TRIGGER_MACHINE_VERSION,
  type TriggerSnapshot,
  triggerMachine,
  triggerStateOf,
} from "../../machines/trigger.machine.js";
import { migrateTriggerSnapshot } from "../../machines/trigger.migrations.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import type { StoredActivation } from "../trigger/records.js";
import { SnapshotIncompatible } from "./errors.js";
import { type Live, newLive, untouched } from "./Live.js";
import { machineInput } from "./ledgerRows.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/**
 * Restores triggers from their stored state: each machine from its snapshot, checked
 * against the machine version; a trigger whose state cannot be used is kept `broken`
 * (reported, never fired).
 *
 * @example
 * ```ts
 * await core.loader.ensureLoaded();
 * ```
 */
export class TriggerLoader {
  /** Database lease: every stored activation has been read into `core.live`. */
  #loaded = false;
  /**
   * The read in progress, shared: 10,000 `activate` calls issued together (a service at
   * boot) wait for ONE read of the activations instead of each reading all of them.
   */
  #loading: Promise<void> | undefined;

  constructor(readonly core: SupervisorCore) {}

  /** Forget the loaded state: the next `ensureLoaded` reads the database again. */
  unload(): void {
    this.#loaded = false;
    this.#loading = undefined;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * Database lease: loads every stored activation once, restoring each machine from its
   * snapshot. Trigger leases: nothing to do here; a trigger is loaded when claimed.
   */
  async ensureLoaded(): Promise<void> {
    await this.core.data.ensureLoaded();
    if (this.#loaded || this.core.mode === "trigger") return;
    if (this.#loading === undefined) {
      const loading = this.core.store.loadActivations().then(
        (stored) => {
          if (!this.#loaded) this.loadFrom(stored);
        },
        (error: unknown) => {
          // A failed read is tried again by the next caller.
          if (this.#loading === loading) this.#loading = undefined;
          throw error;
        },
      );
      this.#loading = loading;
    }
    await this.#loading;
  }

  /**
   * Restores every stored activation into `core.live`. A `Live` of `previous` (what this
   * process held before it read the rows again) is kept instead when its row is exactly
   * what this process last wrote and it holds nothing else (`untouched`): restoring it
   * would build an equal one, and 10,000 of them cost a start ~25 MB of short-lived heap
   * beside the old ones (see docs/performance.md, "Memory per trigger").
   */
  loadFrom(
    all: readonly StoredActivation[],
    previous: ReadonlyMap<string, Live> = new Map(),
  ): void {
    const load = this.loader(previous);
    for (const stored of all) load(stored);
  }

  /**
   * `loadFrom` one stored activation at a time (for `store.eachActivation`): marks the
   * triggers loaded, and returns what restores (or keeps) each row into `core.live`.
   */
  loader(previous: ReadonlyMap<string, Live> = new Map()): (stored: StoredActivation) => void {
    this.#loaded = true;
    return (stored) => {
      const name = stored.record.name;
      const definition = this.#definitionOf(name);
      const kept = previous.get(name);
      const live =
        kept !== undefined && sameAsStored(kept, stored)
          ? this.#keep(kept, definition)
          : this.restore(stored, definition);
      this.core.live.set(live.name, live);
    };
  }

  /** A kept `Live` under this supervisor's current lease, start instant and definition. */
  #keep(live: Live, definition: TriggerDefinition | undefined): Live {
    live.definition = definition;
    live.since = this.core.startedAt;
    live.epoch = this.core.owned.get(live.name);
    return live;
  }

  #definitionOf(name: string): TriggerDefinition | undefined {
    return this.core.definitionOf(name);
  }

  /** A fresh `Live` under this supervisor's current lease and start instant. */
  fresh(
    name: string,
    definition: TriggerDefinition | undefined,
    snapshot: TriggerSnapshot,
    activatedAt: number,
  ): Live {
    return newLive(name, definition, snapshot, {
      activatedAt,
      since: this.core.startedAt,
      epoch: this.core.owned.get(name),
    });
  }

  restore(stored: StoredActivation, definition: TriggerDefinition | undefined): Live {
    const core = this.core;
    const name = stored.record.name;
    const activatedAt = stored.activatedAt ?? stored.record.createdAt.getTime();
    // The initial snapshot is only a placeholder for a trigger whose stored state cannot
    // be used; restored triggers never need one (computing it for 10,000 slowed start).
    const placeholder = () =>
      core.stepper.initial(definition === undefined ? { name } : machineInput(definition));
    const live = this.fresh(name, definition, undefined as unknown as TriggerSnapshot, activatedAt);
    live.cursor = stored.record.cursor;
    live.firesUsed = stored.record.firesUsed;
    const broken = (reason: string) => {
      live.snapshot = placeholder();
      live.broken = new SnapshotIncompatible({
        name,
        storedVersion: stored.machineVersion,
        machineVersion: TRIGGER_MACHINE_VERSION,
        reason,
      });
      core.onError(live.broken, name);
      return live;
    };
    if (stored.snapshotJson === undefined) return broken("no snapshot is stored");
    try {
      // An older version's snapshot is migrated (pure, in memory); the next commit of
      // this trigger stores it at the current version.
      const persisted = migrateTriggerSnapshot(
        JSON.parse(stored.snapshotJson) as unknown,
        stored.machineVersion,
      );
      const snapshot = triggerMachine.resolveState(
        persisted as Parameters<typeof triggerMachine.resolveState>[0],
      ) as TriggerSnapshot;
      triggerStateOf(snapshot);
      live.snapshot = snapshot;
    } catch (cause) {
      return broken(cause instanceof Error ? cause.message : String(cause));
    }
    return live;
  }
}

/**
 * Whether restoring `stored` would give `live` back: `live` holds nothing of its own
 * (`untouched`), and the row holds its snapshot (at this machine version), cursor, fire
 * count and activation instant as this process last wrote them. The snapshot is compared
 * as the text the store writes (`JSON.stringify` of the persisted snapshot, as text in
 * both SQLite and PostgreSQL); a row that differs in any way is restored, as before.
 */
function sameAsStored(live: Live, stored: StoredActivation): boolean {
  if (!untouched(live) || stored.machineVersion !== TRIGGER_MACHINE_VERSION) return false;
  if (live.firesUsed !== stored.record.firesUsed) return false;
  if (live.activatedAt !== (stored.activatedAt ?? stored.record.createdAt.getTime())) return false;
  if (JSON.stringify(live.cursor) !== JSON.stringify(stored.record.cursor)) return false;
  return (
    stored.snapshotJson !== undefined &&
    JSON.stringify(triggerMachine.getPersistedSnapshot(live.snapshot)) === stored.snapshotJson
  );
}
