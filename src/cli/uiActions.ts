import type { Command } from "commander";
import type { InspectorActions } from "../ui/inspectorRoutes.js";
import type { CommandKit } from "./CommandKit.js";
import { SupervisorRunning } from "./errors.js";
import { viaSupervisor } from "./viaSupervisor.js";
import { withManager } from "./withManager.js";

/**
 * The inspector's actions through the same path as `tickflow fire`, `activate` and
 * `deactivate`: a one-shot manager on the database when no supervisor runs (it needs
 * `--module` to know the trigger's DAG), else a command queued for the running
 * supervisor (`trigger_commands`). Each opens its own connection for writing, so the
 * inspector's own stays read-only.
 *
 * @example
 * ```ts
 * const actions = uiActions(kit, command, "examples/market.ts");
 * await actions.fire("orders", { orderId: 1 }, "a retry after the outage");
 * ```
 */
export function uiActions(
  kit: CommandKit,
  command: Command,
  modulePath: string | undefined,
): InspectorActions {
  const directOrQueued = async <T, U>(direct: () => Promise<T>, queued: () => Promise<U>) => {
    try {
      return await direct();
    } catch (error) {
      if (error instanceof SupervisorRunning) return queued();
      throw error;
    }
  };
  return {
    fire: (trigger, payload) =>
      directOrQueued(
        async () => {
          const run = await withManager(kit, command, modulePath, (m) => m.fire(trigger, payload));
          return { runId: run.runId, status: run.status };
        },
        () => viaSupervisor(kit, command, "fire", trigger, payload),
      ),
    activate: (trigger) =>
      directOrQueued(
        () => withManager(kit, command, modulePath, (m) => m.activate(trigger)),
        () => viaSupervisor(kit, command, "activate", trigger),
      ),
    deactivate: (trigger) =>
      directOrQueued(
        () => withManager(kit, command, modulePath, (m) => m.deactivate(trigger)),
        () => viaSupervisor(kit, command, "deactivate", trigger),
      ),
  };
}
