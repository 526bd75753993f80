import type { SupervisorCore } from "./SupervisorCore.js";

/**
 * The lifecycle's `beginStop` action, at the instant `stop()` takes effect: no new
 * fire from here on. Timers, the heartbeats, the command inbox and the standby retry are
 * cancelled, and polls in flight are abandoned (a poll that never settles would hold
 * stop() for its whole pollTimeout; its tick stays owed to the next start).
 *
 * @example
 * ```ts
 * core.setEffects({ beginStop: () => haltSupervisor(core), stepDown: () => {} });
 * ```
 */
export function haltSupervisor(core: SupervisorCore): void {
  core.lease.cancel();
  core.commands.stop();
  core.shares.cancel();
  core.scheduler.disarm();
  core.poller.abandonAll();
  void core.pruner.cancel();
}

/**
 * The rest of a stop, in `stopping`: runs in flight get `graceMs` to finish and are then
 * interrupted (recorded `interrupted`, resumed by the next start); every queued write
 * lands; the leases are given back so another supervisor takes over at once. Until then
 * the leases are kept alive, or another supervisor would resume a run still running
 * here during the grace.
 *
 * Invariant: when this resolves, nothing of this supervisor is `running` in the ledger
 * that is not recorded `interrupted`, and it holds no lease.
 *
 * @example
 * ```ts
 * await stopSupervisor(core, 10_000);
 * ```
 */
export async function stopSupervisor(core: SupervisorCore, graceMs: number): Promise<void> {
  // A lease attempt in flight (a standby's retry) settles first: if it won, the epoch
  // it won is in the lifecycle's context and released below.
  await core.lease.settled();
  // A prune pass ends after its current batch, before the leases are given back.
  await core.pruner.cancel();
  const keepAlive = keepLeasesAlive(core);
  try {
    // Steps already queued finish first (none of them starts a run now), so every run
    // that exists is in the list `settle` reads.
    await Promise.all([...core.live.values()].map((live) => live.chain));
    await core.runs.settle(graceMs);
    await Promise.all([...core.live.values()].map((live) => live.chain));
    await core.fires.group.drain();
  } finally {
    keepAlive();
  }
  const epoch = core.epoch;
  if (epoch !== undefined) await core.lease.release(epoch);
  if (core.mode === "trigger") {
    // Others may take these triggers at once (resuming what was interrupted) instead
    // of waiting for the leases to expire.
    const names = [...core.owned.keys()];
    for (const name of names) core.shares.drop(name, "released");
    try {
      // Also the leases held but not yet taken up here (claimed by an activate before a
      // start that this stop cut short).
      for (const lease of await core.store.backend.triggerLeases()) {
        if (lease.ownerId === core.ownerId && !names.includes(lease.triggerName)) {
          names.push(lease.triggerName);
        }
      }
      await core.store.backend.releaseTriggerLeases(core.ownerId, names, core.clock.now());
      await core.store.backend.leaveSupervisors(core.ownerId);
    } catch (error) {
      core.onError(error, undefined);
    }
    core.loader.unload();
  }
}

/**
 * While stop() waits for runs: renews the leases held (the database lease at its epoch,
 * or this supervisor's trigger leases) every third of the lease; returns the function
 * that stops renewing.
 */
function keepLeasesAlive(core: SupervisorCore): () => void {
  if (core.mode !== "trigger" && core.epoch === undefined) return () => {};
  let cancel: (() => void) | undefined;
  let stopped = false;
  const renew = () => {
    cancel = core.clock.setTimer(core.clock.now() + core.leaseMs / 3, () => {
      const now = core.clock.now();
      const epoch = core.epoch;
      const done =
        core.mode === "trigger"
          ? core.store.backend.renewTriggerLeases(core.ownerId, now, core.leaseMs)
          : epoch === undefined
            ? Promise.resolve()
            : core.store.backend.renewLease(core.ownerId, epoch, now, core.leaseMs);
      void done
        .catch((error: unknown) => core.onError(error, undefined))
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
