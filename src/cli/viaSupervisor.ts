import type { Command } from "commander";
import type { TriggerCommand } from "../trigger/TriggerStore.js";
import type { CommandKit } from "./CommandKit.js";
import { CommandNotApplied } from "./errors.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long the running supervisor has to pick a command up (it polls once a second). */
const APPLY_MS = 15_000;
/** How long `fire` waits for the run it started to end. */
const RUN_MS = 10 * 60_000;

/**
 * Hands `activate`, `deactivate` or `fire` to the supervisor that is running on the
 * database: queues a row in `trigger_commands`, waits for the leader to apply it (it
 * polls about once a second), and for a fire waits for the run's end in the ledger.
 *
 * @example
 * ```ts
 * const outcome = await viaSupervisor(kit, command, "fire", "orders", { id: 1 });
 * ```
 */
export async function viaSupervisor(
  kit: CommandKit,
  command: Command,
  kind: TriggerCommand["kind"],
  trigger: string,
  payload?: Record<string, unknown>,
  key?: string,
): Promise<{ readonly runId?: string; readonly status?: string; readonly outputs?: unknown }> {
  const dbs = await kit.open(command, { mode: "write" });
  try {
    const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
    const seq = await store.requestCommand(trigger, kind, payload, Date.now(), key);
    kit.out.warn(`a supervisor is running on this database: handed ${kind} to it (command ${seq})`);
    const applied = await waitFor(async () => {
      const row = await store.getCommand(seq);
      return row?.state === "pending" ? undefined : row;
    }, APPLY_MS);
    // No answer in time (a supervisor stopping, say): withdrawn, unless the supervisor
    // took it meanwhile. What is printed below is then what happens, and a retry cannot
    // double a fire by the first command being applied late.
    const answered =
      applied ??
      (await store.withdrawCommand(
        seq,
        `withdrawn: no supervisor applied it within ${APPLY_MS / 1000} s`,
        Date.now(),
      ));
    if (answered === undefined || answered.state === "expired" || answered.state === "pending") {
      throw new CommandNotApplied({
        kind,
        trigger,
        reason: `no supervisor applied it within ${APPLY_MS / 1000} s; command ${seq} was withdrawn (nothing happened)`,
      });
    }
    if (answered.state === "failed") {
      throw new CommandNotApplied({ kind, trigger, reason: answered.error ?? "refused" });
    }
    if (kind !== "fire" || answered.runId === undefined) return {};
    const runId = answered.runId;
    const ended = await waitFor(async () => {
      // A keyed fire may name an older run (its key was fired before): found by its key.
      const [event] =
        key === undefined
          ? (await store.getEvents(trigger, { limit: 20 })).filter((e) => e.runId === runId)
          : [await store.loadEventByKey(trigger, key)];
      return event !== undefined && event.status !== "running" ? event : undefined;
    }, RUN_MS);
    if (ended === undefined) return { runId, status: "running" };
    const run = await dbs.provenance?.getRun(runId, { values: true });
    return { runId, status: ended.status, outputs: run?.outputs ?? {} };
  } finally {
    await dbs.close();
  }
}

async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  ms: number,
): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) return undefined;
    await sleep(100);
  }
}
