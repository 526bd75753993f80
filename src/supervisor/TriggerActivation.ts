import { TriggerNotFound } from "../namespace/errors.js";
import { nearest } from "../namespace/nearest.js";
import { dagOfTrigger } from "./dagOfTrigger.js";
import { NotLeader, NotOwner } from "./errors.js";
import { serial, stateOf } from "./Live.js";
import { configOf, machineInput, missedRow } from "./ledgerRows.js";
import type { SupervisorCore } from "./SupervisorCore.js";

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
  constructor(readonly core: SupervisorCore) {}

  /** A standby (not the leader) changes nothing: `NotLeader` naming the holder. */
  refuseStandby(): void {
    const core = this.core;
    if (core.standingBy) throw new NotLeader({ ownerId: core.ownerId, holder: core.holder });
  }

  /** See `TriggerManager.activate`. */
  async activate(name: string): Promise<void> {
    const core = this.core;
    this.refuseStandby();
    const definition = core.namespace.getTrigger(name);
    dagOfTrigger(core.namespace, definition);
    await core.loader.ensureLoaded();
    if (core.mode === "trigger" && !(await core.shares.ensureOwned(name))) {
      // Another live supervisor owns it: active already means nothing to do (every
      // instance of a service may activate its triggers at boot). Otherwise it may be
      // activating it this very moment, or it was deactivated: its owner applies an
      // activate command within about a second (activation is idempotent).
      if ((await core.store.getActivation(name))?.status === "active") return;
      await core.store.requestCommand(name, "activate", undefined, core.clock.now());
      return;
    }
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
      await core.fires.step(target, { type: "ACTIVATE" }, [
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
    if (core.owns(target)) core.scheduler.schedule(target);
  }

  /** See `TriggerManager.deactivate`. */
  async deactivate(name: string): Promise<void> {
    const core = this.core;
    this.refuseStandby();
    await core.loader.ensureLoaded();
    if (core.mode === "trigger") {
      // Never claim a lease for a name nobody can work: it would hold a share forever.
      if (!core.namespace.hasTrigger(name)) {
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
    core.timers.delete(name);
    await serial(live, async () => {
      const now = core.clock.now();
      const dropped = live.backlog.splice(0).map((entry) => entry.tick);
      live.draining = false;
      await core.fires.step(live, { type: "DEACTIVATE" }, [
        { kind: "setStatus", name, status: "disabled" },
        { kind: "nextRun", name, nextRunAt: null },
        ...dropped.map((tick) =>
          missedRow(name, tick, now, "deactivated before its catch-up fire"),
        ),
      ]);
    });
  }
}
