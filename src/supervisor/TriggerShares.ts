import { LeaseLost } from "../trigger/LeaseLost.js";
import type { HeldLease } from "../trigger/TriggerBackend.js";
import { NotOwner } from "./errors.js";
import { type Live, serial, stateOf } from "./Live.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/**
 * Shared triggers: each trigger has its own lease and the live supervisors share them.
 * Every third of the lease a heartbeat marks this supervisor live, renews its leases
 * (dropping any another took), and claims up to its fair share or gives idle ones back.
 * A claimed trigger is restored from the database as on a restart.
 *
 * @example
 * ```ts
 * if (await core.shares.ensureOwned("hourly")) await core.fires.pushFire("hourly", {}, () => []);
 * ```
 */
export class TriggerShares {
  #cancelLoop: (() => void) | undefined;
  /** Lease work in order (see `#leaseOp`). */
  #chain: Promise<void> = Promise.resolve();

  constructor(readonly core: SupervisorCore) {}

  /** The owner of a trigger as last read, if it has a live one. */
  ownerOf(name: string): string | undefined {
    const now = this.core.clock.now();
    return this.core.leaseView.find(
      (lease) => lease.triggerName === name && lease.expiresAt.getTime() > now,
    )?.ownerId;
  }

  /**
   * Whether this supervisor owns `name` after trying to claim it (when its lease is free
   * or expired). A claimed trigger is restored from the database, as on restart.
   */
  ensureOwned(name: string): Promise<boolean> {
    return this.#leaseOp(() => this.#ensureOwnedNow(name));
  }

  /**
   * Runs lease work (a heartbeat, a claim by name) after the previous one: each reads and
   * changes the owned map around database round trips, and two interleaved could take
   * the same trigger over twice (two copies resuming one run under one epoch).
   */
  #leaseOp<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(task);
    this.#chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async #ensureOwnedNow(name: string): Promise<boolean> {
    const core = this.core;
    if (core.owned.has(name) && core.live.get(name)?.lost !== true) return true;
    const now = core.clock.now();
    const held = await core.store.backend.claimTriggers(core.ownerId, now, core.leaseMs, 1, [name]);
    if (held.length === 0) {
      core.leaseView = await core.store.backend.triggerLeases();
      return false;
    }
    await this.#adopt(held, now);
    return true;
  }

  /** One heartbeat (see the class); in order with the other lease work. */
  share(): Promise<void> {
    return this.#leaseOp(() => this.#shareNow());
  }

  async #shareNow(): Promise<void> {
    const core = this.core;
    const backend = core.store.backend;
    const now = core.clock.now();
    const { supervisors, triggers } = await backend.heartbeat(core.ownerId, now, core.leaseMs);
    const held = await backend.renewTriggerLeases(core.ownerId, now, core.leaseMs);
    if (core.state !== "member") return;
    const still = new Map(held.map((lease) => [lease.triggerName, lease.epoch]));
    for (const [name, epoch] of [...core.owned]) {
      if (still.get(name) !== epoch) this.drop(name, "lost");
    }
    // Held in the database but not worked here (activated before start, or a release
    // that did not commit): take them up as if just claimed.
    await this.#adopt(
      held.filter((lease) => !core.owned.has(lease.triggerName)),
      now,
    );
    // A lease with nothing behind it here (a name this namespace does not define) is
    // given back, not counted: it would hold a share of the work that nobody does.
    const strays = [...core.owned.keys()].filter(
      (name) => core.live.get(name)?.definition === undefined,
    );
    if (strays.length > 0) {
      for (const name of strays) this.drop(name, "released");
      await backend.releaseTriggerLeases(core.ownerId, strays, now);
    }
    const share = Math.ceil(triggers / Math.max(1, supervisors));
    if (core.owned.size < share) {
      const claimed = await backend.claimTriggers(
        core.ownerId,
        now,
        core.leaseMs,
        share - core.owned.size,
      );
      if (core.state !== "member") {
        await backend.releaseTriggerLeases(
          core.ownerId,
          claimed.map((lease) => lease.triggerName),
          core.clock.now(),
        );
        return;
      }
      await this.#adopt(claimed, now);
    } else if (core.owned.size > share) {
      await this.#releaseIdle(core.owned.size - share);
    }
    core.leaseView = await backend.triggerLeases();
  }

  /** Runs `share` every third of the lease, for as long as this supervisor is a member. */
  loop(): void {
    const core = this.core;
    this.#cancelLoop?.();
    if (core.state !== "member") return;
    this.#cancelLoop = core.clock.setTimer(core.clock.now() + core.leaseMs / 3, () => {
      this.#cancelLoop = undefined;
      // Data triggers changed since the last beat first: a trigger claimed below has its
      // definition.
      void core.data
        .sync()
        .catch((error: unknown) => core.onError(error, undefined))
        .then(() => this.share())
        .catch((error: unknown) => core.onError(error, undefined))
        .finally(() => this.loop());
    });
  }

  /** Stops the heartbeat loop (stop). */
  cancel(): void {
    this.#cancelLoop?.();
    this.#cancelLoop = undefined;
  }

  /**
   * Takes over claimed triggers: each is restored from its stored snapshot (fresh: its
   * previous owner may have written until its lease expired), a run it had in flight is
   * resumed from provenance, and its schedule goes on with the catch-up policy for the
   * ticks nobody fired.
   */
  async #adopt(leases: readonly HeldLease[], now: number): Promise<void> {
    const core = this.core;
    // A trigger already worked here under the same epoch is not taken over again.
    const claimed = leases.filter((lease) => {
      const current = core.live.get(lease.triggerName);
      return !(current !== undefined && !current.lost && current.epoch === lease.epoch);
    });
    if (claimed.length === 0) return;
    for (const lease of claimed) core.owned.set(lease.triggerName, lease.epoch);
    const stored = await core.store.loadActivations(claimed.map((lease) => lease.triggerName));
    for (const activation of stored) {
      const name = activation.record.name;
      const epoch = core.owned.get(name);
      if (epoch === undefined) continue;
      const definition = core.definitionOf(name);
      const previous = core.live.get(name);
      if (previous !== undefined) {
        // An older copy (an earlier epoch): it writes nothing more, and its run stops.
        previous.lost = true;
        for (const run of previous.runs.values()) run.controller.abort();
      }
      const live = core.loader.restore(activation, definition);
      live.epoch = epoch;
      live.since = now;
      core.live.set(name, live);
      core.runs.forgetRunner(name);
    }
    if (core.state !== "member") return;
    await core.scheduler.adoptEditedSchedules(stored);
    for (const activation of stored) {
      const live = core.live.get(activation.record.name);
      if (live === undefined || !core.owns(live)) continue;
      core.scheduler.resumeAndSchedule(live);
    }
    core.scheduler.arm();
  }

  /** Gives up to `count` idle triggers back (no run, no backlog), each after its queued steps. */
  async #releaseIdle(count: number): Promise<void> {
    const core = this.core;
    const busy = (live: Live) =>
      !core.owns(live) || live.runs.size > 0 || stateOf(live) === "firing";
    const idle = [...core.live.values()]
      .filter((live) => !busy(live) && live.backlog.length === 0 && !live.draining)
      .slice(0, count);
    for (const live of idle) {
      await serial(live, async () => {
        if (busy(live)) return;
        // Its queued writes (the next-run instant) land under the lease first.
        await core.fires.group.drain();
        if (busy(live)) return;
        this.drop(live.name, "released");
        await core.store.backend.releaseTriggerLeases(core.ownerId, [live.name], core.clock.now());
      });
    }
  }

  /**
   * Stops working a trigger at once: lost (another supervisor holds its lease now; its
   * run in flight is abandoned without recording an end, the new owner resumes it) or
   * released (idle, given back on purpose).
   */
  drop(name: string, why: "lost" | "released", error?: LeaseLost): void {
    const core = this.core;
    const live = core.live.get(name);
    if (core.mode !== "trigger") return;
    core.owned.delete(name);
    core.timers.delete(name);
    core.runs.forgetRunner(name);
    if (live === undefined) return;
    core.live.delete(name);
    live.lost = true;
    if (why === "lost") {
      core.onError(
        error ??
          new LeaseLost({
            ownerId: core.ownerId,
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
      waiter.reject(new NotOwner({ ownerId: core.ownerId, trigger: name, holder: undefined }));
    }
    live.waiters.clear();
  }
}
