import { TriggerNotFound } from "../namespace/errors.js";
import { nearest } from "../namespace/nearest.js";
import type { TriggerDefinition } from "../namespace/TriggerDefinition.js";
import type { TriggerWrite } from "../trigger/TriggerWrite.js";
import { Admission } from "./Admission.js";
import { dagOfTrigger } from "./dagOfTrigger.js";
import { NotLeader, NotOwner } from "./errors.js";
import { type Live, serial, stateOf, tickKind } from "./Live.js";
import { configOf, machineInput, missedRow } from "./ledgerRows.js";
import type { StatusChangeOptions } from "./ManagerOptions.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/**
 * Activations stepped at once: each batch shares a group commit, and 10,000 activations
 * issued together never hold their snapshots and writes in memory all at the same time.
 */
const ACTIVATIONS_AT_ONCE = 100;

/**
 * Activating and deactivating triggers (`manager.activate`, `manager.deactivate`, and
 * the CLI's queued commands), with the ownership rules of each lease mode.
 *
 * @example
 * ```ts
 * await core.activation.activate("hourly");
 * ```
 */
export class TriggerActivation {
  readonly #admission = new Admission(ACTIVATIONS_AT_ONCE);

  constructor(readonly core: SupervisorCore) {}

  /** A standby (not the leader) changes nothing: `NotLeader` naming the holder. */
  refuseStandby(): void {
    const core = this.core;
    if (core.standingBy) throw new NotLeader({ ownerId: core.ownerId, holder: core.holder });
  }

  /** See `TriggerManager.activate`. */
  async activate(
    name: string,
    options: StatusChangeOptions = {},
    how: { readonly queue: boolean } = { queue: true },
  ): Promise<void> {
    const core = this.core;
    this.refuseStandby();
    await core.data.ensureLoaded();
    const definition = core.getTrigger(name);
    dagOfTrigger(core.namespace, definition);
    await core.loader.ensureLoaded();
    if (core.mode === "trigger" && !(await core.shares.ensureOwned(name))) {
      // Another live supervisor owns it: active already means nothing to do (every
      // instance of a service may activate its triggers at boot). Otherwise it may be
      // activating it this very moment, or it was deactivated: its owner applies an
      // activate command within about a second (activation is idempotent).
      // A data trigger's own activation (how.queue false): the claimer activates it.
      if (!how.queue) return;
      const noted = options.note !== undefined || options.by !== undefined;
      if (!noted && (await core.store.getActivation(name))?.status === "active") return;
      await core.store.requestCommand(name, "activate", notePayload(options), core.clock.now());
      return;
    }
    // Admitted a bounded number at a time (see `Admission`): memory, not order.
    await this.#admission.run(() => this.#activateOwned(name, definition, options));
  }

  /** The activation itself, for a trigger this manager may change. */
  async #activateOwned(
    name: string,
    definition: TriggerDefinition,
    options: StatusChangeOptions,
  ): Promise<void> {
    const core = this.core;
    const now = core.clock.now();
    let live = core.live.get(name);
    if (live === undefined) {
      live = core.loader.fresh(
        name,
        definition,
        core.stepper.initial(machineInput(definition)),
        now,
      );
      core.live.set(name, live);
    }
    const target = live;
    const wasActive = stateOf(target) === "active" || stateOf(target) === "firing";
    target.definition = definition;
    target.broken = undefined;
    await serial(target, async () => {
      await core.fires.adoptPolicy(target, definition);
      await core.fires.step(target, { type: "ACTIVATE", ...notePayload(options) }, [
        {
          kind: "upsertActivation",
          name,
          dagNsref: definition.dagNsref,
          triggerType: definition.triggerType,
          status: "active",
          config: configOf(definition),
          at: now,
        },
        ...noteWrites(name, options, !wasActive, now),
      ]);
      if (!wasActive) target.activatedAt = now;
    });
    if (core.owns(target)) core.scheduler.schedule(target);
  }

  /**
   * The loaded `Live` of a stored trigger this manager may change: `NotLeader` on a
   * standby, `NotOwner` when another supervisor owns it, `TriggerNotFound` when unknown.
   */
  async ownedLive(name: string): Promise<Live> {
    const core = this.core;
    this.refuseStandby();
    await core.loader.ensureLoaded();
    if (core.mode === "trigger") {
      // Never claim a lease for a name nobody can work: it would hold a share forever.
      if (!core.hasTrigger(name)) {
        throw new TriggerNotFound({ name, nearest: nearest(name, core.live.keys()) });
      }
      if (!(await core.shares.ensureOwned(name))) {
        throw new NotOwner({
          ownerId: core.ownerId,
          trigger: name,
          holder: core.shares.ownerOf(name),
        });
      }
    }
    const live = core.live.get(name);
    if (live === undefined) {
      throw new TriggerNotFound({ name, nearest: nearest(name, core.live.keys()) });
    }
    return live;
  }

  /** See `TriggerManager.deactivate`. */
  async deactivate(name: string, options: StatusChangeOptions = {}): Promise<void> {
    const core = this.core;
    const live = await this.ownedLive(name);
    core.timers.delete(name);
    await serial(live, () => this.disable(live, options));
  }

  /**
   * The step of a deactivation: the trigger goes `disabled` with its note, its pending
   * fires are dropped and its owed catch-up ticks recorded missed. Call it inside
   * `serial(live, …)` (also `pauseAfterFailures`, at a failed run's end).
   */
  async disable(live: Live, options: StatusChangeOptions): Promise<void> {
    const core = this.core;
    const name = live.name;
    core.timers.delete(name);
    const now = core.clock.now();
    const dropped = live.backlog.splice(0).map((entry) => entry.tick);
    live.draining = false;
    const changes = stateOf(live) !== "disabled";
    core.scheduler.forgetStoredNext(name);
    await core.fires.step(live, { type: "DEACTIVATE", ...notePayload(options) }, [
      { kind: "setStatus", name, status: "disabled" },
      ...noteWrites(name, options, changes, now),
      { kind: "nextRun", name, nextRunAt: null },
      ...dropped.map((tick) =>
        missedRow(name, tick, now, "deactivated before its catch-up fire", tickKind(live, tick)),
      ),
    ]);
  }
}

/**
 * The note of a status change: written when the status changes (a change without a note
 * clears the previous one, which no longer explains the status) or a note is given; an
 * activate of an active trigger without a note (every service instance at boot) keeps it.
 */
function noteWrites(
  name: string,
  options: StatusChangeOptions,
  changes: boolean,
  at: number,
): TriggerWrite[] {
  if (!changes && options.note === undefined && options.by === undefined) return [];
  return [{ kind: "statusNote", name, note: options.note ?? null, by: options.by ?? null, at }];
}

/**
 * The note as a queued command's payload (the owner applies it with the command), or
 * nothing.
 *
 * @example
 * ```ts
 * await store.requestCommand("hourly", "deactivate", notePayload({ note: "INC-42" }), now);
 * ```
 */
export function notePayload(
  options: StatusChangeOptions,
): { readonly note?: string; readonly by?: string } | undefined {
  if (options.note === undefined && options.by === undefined) return undefined;
  return {
    ...(options.note === undefined ? {} : { note: options.note }),
    ...(options.by === undefined ? {} : { by: options.by }),
  };
}

/**
 * The note a queued activate or deactivate command carries (see `notePayload`).
 *
 * @example
 * ```ts
 * await core.activation.deactivate(command.triggerName, noteOf(command.payload));
 * ```
 */
export function noteOf(payload: Record<string, unknown> | undefined): StatusChangeOptions {
  const note = payload?.note;
  const by = payload?.by;
  return {
    ...(typeof note === "string" ? { note } : {}),
    ...(typeof by === "string" ? { by } : {}),
  };
}
