import { LeaseLost } from "../trigger/LeaseLost.js";
import type { StoredActivation } from "../trigger/records.js";
import { storeUnreachable } from "./errorCauses.js";
import type { Live } from "./Live.js";
import type { SupervisorCore } from "./SupervisorCore.js";

/**
 * The database lease and the standby: one supervisor leads (fires every trigger), the
 * others wait and take over when the lease is free, expired, or its holder is gone. The
 * leader renews it on a heartbeat and steps down the moment it finds it taken.
 *
 * @example
 * ```ts
 * core.send({ type: "START" });
 * await core.lease.tryLead();
 * ```
 */
export class DatabaseLease {
  #cancelStandby: (() => void) | undefined;
  #cancelHeartbeat: (() => void) | undefined;
  /** The lease attempt (and the leading it leads to) in flight: stop() waits for it. */
  #trying: Promise<void> | undefined;

  constructor(readonly core: SupervisorCore) {}

  /** Resolves once no lease attempt is in flight. */
  async settled(): Promise<void> {
    while (this.#trying !== undefined) await this.#trying;
  }

  /** Takes the lease if it is free or expired; otherwise waits as a standby and tries again. */
  tryLead(): Promise<void> {
    const attempt = this.#tryLead().finally(() => {
      if (this.#trying === attempt) this.#trying = undefined;
    });
    this.#trying = attempt;
    return attempt;
  }

  async #tryLead(): Promise<void> {
    const core = this.core;
    this.#cancelStandby?.();
    this.#cancelStandby = undefined;
    if (core.state !== "standby" && core.state !== "starting") return;
    const now = core.clock.now();
    let retryAt = now + core.leaseMs / 3;
    try {
      const lease = await core.store.backend.acquireLease(core.ownerId, now, core.leaseMs);
      core.send({ type: "STORE_REACHABLE" });
      if ("epoch" in lease) {
        // In `stopping` (stop() came during the attempt) the lease is only kept to be
        // released; in `leading`, serve.
        if (
          core.send({ type: "LEASE_WON", epoch: lease.epoch, holder: core.ownerId }) === "leading"
        ) {
          await this.#lead();
        }
        return;
      }
      core.send({ type: "LEASE_HELD", holder: lease.holder });
      retryAt = Math.min(retryAt, lease.expiresAt + 1);
    } catch (error) {
      if (storeUnreachable(error)) core.send({ type: "STORE_UNREACHABLE" });
      core.onError(error, undefined);
      core.send({ type: "LEASE_HELD" });
    }
    if (core.state !== "standby") return;
    this.#cancelStandby = core.clock.setTimer(retryAt, () => void this.tryLead());
  }

  /**
   * Leads: restores every trigger from its stored state (fresh from the database: a
   * previous leader may have written since), resumes runs that were in flight, catches up
   * missed ticks by policy, and arms one timer and the lease heartbeat. A stop() during
   * any of it ends the leading there: what is not resumed yet is resumed by the next start.
   */
  async #lead(): Promise<void> {
    const core = this.core;
    core.startedAt = core.clock.now();
    const inFlight = [...core.live.values()].some((live) => live.runCount > 0);
    // The Lives held so far: one whose row is still what this process wrote is kept.
    let previous: Map<string, Live> | undefined;
    if (!inFlight) {
      core.loader.unload();
      previous = new Map(core.live);
      core.live.clear();
      core.runs.forgetAll();
    }
    // Data triggers are read before the triggers are restored, so each gets its definition.
    await core.data.read();
    if (!core.leading) return;
    // The rows are read a page at a time and each restored as it comes (all of them in
    // one synchronous step): only those the steps below act on are kept.
    const kept: StoredActivation[] = [];
    // The next run of each row left as it is stored: not written again if unchanged.
    const storedNext = new Map<string, number | null>();
    let load: ((stored: StoredActivation) => void) | undefined;
    let first = true;
    const visit = (stored: StoredActivation) => {
      if (first) {
        first = false;
        // As the one read did: loaded by nobody else meanwhile, and still leading.
        if (!core.loader.loaded && core.leading) load = core.loader.loader(previous);
      }
      load?.(stored);
      if (core.scheduler.mayAdopt(stored) || !core.namespace.hasTrigger(stored.record.name)) {
        kept.push(stored);
        return;
      }
      const live = core.live.get(stored.record.name);
      if (live !== undefined) storedNext.set(live.name, stored.record.nextRunAt?.getTime() ?? null);
    };
    await core.store.eachActivation(visit);
    if (first && !core.loader.loaded && core.leading) core.loader.loadFrom([], previous);
    previous = undefined;
    if (!core.leading) return;
    for (const live of core.live.values()) live.since = core.startedAt;
    this.#heartbeat();
    core.scheduler.storedNextRuns(storedNext);
    try {
      await core.scheduler.adoptEditedSchedules(kept);
      if (!core.leading) return;
      for (const live of core.live.values()) core.scheduler.resumeAndSchedule(live);
    } finally {
      core.scheduler.storedNextRuns(undefined);
    }
    core.scheduler.arm();
    core.commands.watch();
    core.pruner.start();
    // Data triggers created or removed while no supervisor ran: `kept` holds every row that
    // is not a code trigger's, all that `settle` reads.
    await core.data.settle(kept).catch((error: unknown) => core.onError(error, undefined));
  }

  #heartbeat(): void {
    const core = this.core;
    this.#cancelHeartbeat?.();
    const epoch = core.epoch;
    if (!core.leading || epoch === undefined) return;
    this.#cancelHeartbeat = core.clock.setTimer(core.clock.now() + core.leaseMs / 3, () => {
      if (!core.leading || core.epoch !== epoch) return;
      void core.store.backend.renewLease(core.ownerId, epoch, core.clock.now(), core.leaseMs).then(
        () => {
          core.send({ type: "STORE_REACHABLE" });
          this.#heartbeat();
          // Data triggers changed by others (another process, the CLI) since the last beat.
          core.data.sync().catch((error: unknown) => core.onError(error, undefined));
        },
        (error: unknown) => {
          if (error instanceof LeaseLost) {
            this.stepDown(error);
            return;
          }
          // A busy or failing disk: keep trying; the lease still has time left.
          if (storeUnreachable(error)) core.send({ type: "STORE_UNREACHABLE" });
          core.onError(error, undefined);
          this.#heartbeat();
        },
      );
    });
  }

  /**
   * Another supervisor took the lease (this one was paused past its expiry): the
   * lifecycle goes to standby, and its `stepDown` action stops firing at once.
   */
  stepDown(error: LeaseLost): void {
    if (!this.core.leading) return;
    this.core.onError(error, undefined);
    this.core.send({ type: "LEASE_LOST" });
  }

  /**
   * The `stepDown` action: no more fires; runs in flight are abandoned without recording
   * their end (the new leader resumes them from provenance); wait as a standby.
   */
  onStepDown(): void {
    const core = this.core;
    this.cancel();
    core.commands.stop();
    core.scheduler.disarm();
    core.poller.abandonAll();
    for (const live of core.live.values()) core.timers.delete(live.name);
    core.runs.abortAll();
    this.#cancelStandby = core.clock.setTimer(core.clock.now() + core.leaseMs / 3, () => {
      void this.tryLead();
    });
  }

  /** Cancels the standby retry and the heartbeat (stop, step-down). */
  cancel(): void {
    this.#cancelStandby?.();
    this.#cancelStandby = undefined;
    this.#cancelHeartbeat?.();
    this.#cancelHeartbeat = undefined;
  }

  /** Gives the lease at `epoch` back, so a standby takes over at once. */
  async release(epoch: number): Promise<void> {
    const core = this.core;
    try {
      await core.store.backend.releaseLease(core.ownerId, epoch, core.clock.now());
    } catch (error) {
      core.onError(error, undefined);
    }
  }
}
