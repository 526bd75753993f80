import type { Command } from "commander";
import { Namespace } from "../namespace/Namespace.js";
import { TriggerManager } from "../supervisor/TriggerManager.js";
import type { TriggerStore } from "../trigger/TriggerStore.js";
import type { CommandKit } from "./CommandKit.js";
import { AnotherCommandRunning, SupervisorRunning } from "./errors.js";
import { loadNamespace } from "./loadNamespace.js";

/** The CLI's lease: long enough for a slow commit, renewed while a fired run lasts. */
const LEASE_MS = 30_000;
/** How long a CLI call waits for another CLI call's lease before giving up. */
const WAIT_FOR_CLI_MS = 10_000;
/** The suffix `holdingLease` gives a CLI call's lease: that holder is no supervisor. */
const CLI_HOLDER = / \(tickflow [\w-]+\)$/;

/**
 * Runs one action (`activate`, `deactivate`, `fire`) through an in-process
 * `TriggerManager` on the databases, then closes them. The manager is never started:
 * it steps only the one trigger, with the same write-ahead commits a supervisor makes.
 *
 * It holds the database's supervisor lease for the whole action, so no supervisor can
 * start firing (or resume this fire's run) meanwhile; when a supervisor already holds
 * the lease it refuses with `SupervisorRunning`, because a running supervisor keeps its
 * machines in memory and would not see the change. Handing such changes to a running
 * supervisor needs a command table (see "Commands from the CLI" in docs/architecture.md).
 *
 * @example
 * ```ts
 * await withManager(kit, command, "examples/market.ts", (m) => m.activate("hourly_market"));
 * ```
 */
export async function withManager<T>(
  kit: CommandKit,
  command: Command,
  modulePath: string | undefined,
  action: (manager: TriggerManager) => Promise<T>,
  how: { readonly createDatabase: boolean } = { createDatabase: false },
): Promise<T> {
  const namespace =
    modulePath === undefined ? new Namespace() : await loadNamespace(modulePath, kit.io.cwd);
  if (!how.createDatabase) {
    // Checked first: opening for writing would create an empty database at a wrong path.
    await (
      await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" })
    ).close();
  }
  const dbs = await kit.open(command, { mode: "write" });
  const logger = await kit.logger(command);
  const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
  try {
    const manager = new TriggerManager({
      namespace,
      store,
      provenance: dbs.provenance as NonNullable<typeof dbs.provenance>,
      logger,
      onError: (error, trigger) =>
        kit.out.warn(
          `tickflow: ${trigger ? `[${trigger}] ` : ""}${error instanceof Error ? error.message : String(error)}`,
        ),
    });
    if (manager.status().leases === "trigger") {
      return await holdingTriggers(store, manager, () => action(manager));
    }
    return await holdingLease(store, `${manager.ownerId} (tickflow ${command.name()})`, () =>
      action(manager),
    );
  } finally {
    await dbs.close();
  }
}

async function holdingLease<T>(
  store: TriggerStore,
  owner: string,
  action: () => Promise<T>,
): Promise<T> {
  const began = Date.now();
  let lease = await store.backend.acquireLease(owner, began, LEASE_MS);
  // Another CLI call holds the lease for a moment: wait for it instead of reporting a
  // running supervisor, which would queue a command that only the next `tickflow start`
  // applies — long after this call returned, doubling a fire its user retried.
  while (!("epoch" in lease) && CLI_HOLDER.test(lease.holder)) {
    if (Date.now() - began >= WAIT_FOR_CLI_MS) {
      throw new AnotherCommandRunning({
        holder: lease.holder,
        waitedMs: WAIT_FOR_CLI_MS,
        path: store.location,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    lease = await store.backend.acquireLease(owner, Date.now(), LEASE_MS);
  }
  if (!("epoch" in lease)) {
    throw new SupervisorRunning({
      holder: lease.holder,
      until: new Date(lease.expiresAt),
      path: store.location,
    });
  }
  const renew = setInterval(() => {
    // A busy disk: the lease still has two thirds of its time; the next renewal retries.
    store.backend.renewLease(owner, lease.epoch, Date.now(), LEASE_MS).catch(() => {});
  }, LEASE_MS / 3);
  renew.unref();
  try {
    return await action();
  } finally {
    clearInterval(renew);
    await store.backend.releaseLease(owner, lease.epoch, Date.now());
  }
}

/**
 * Shared triggers (PostgreSQL): while supervisors hold trigger leases, they own the
 * triggers and the CLI queues commands instead (`SupervisorRunning`); otherwise the
 * one-shot manager claims what it changes and gives it back at the end.
 */
async function holdingTriggers<T>(
  store: TriggerStore,
  manager: TriggerManager,
  action: () => Promise<T>,
): Promise<T> {
  await store.ready();
  const now = Date.now();
  const live = (await store.triggerLeases()).find((lease) => lease.expiresAt.getTime() > now);
  if (live !== undefined) {
    throw new SupervisorRunning({
      holder: live.ownerId,
      until: live.expiresAt,
      path: store.location,
    });
  }
  try {
    return await action();
  } finally {
    await store.backend.releaseTriggerLeases(manager.ownerId, manager.status().owned, Date.now());
  }
}
