import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";
import { SupervisorRunning } from "../errors.js";
import { parseOption } from "../parseOption.js";
import { outcomeOf, printRunOutcome, type RunOutcome } from "../printRunOutcome.js";
import { viaSupervisor } from "../viaSupervisor.js";
import { withManager } from "../withManager.js";

/** Runs the action in process, or hands it to the supervisor that holds the lease. */
async function directOrQueued<T, U>(
  direct: () => Promise<T>,
  queued: () => Promise<U>,
): Promise<T | U> {
  try {
    return await direct();
  } catch (error) {
    if (error instanceof SupervisorRunning) return queued();
    throw error;
  }
}

/** `activate`'s work, loaded when the command runs (see ../commands/triggerActions.ts). */
export async function activateAction(
  kit: CommandKit,
  trigger: string,
  options: { module: string },
  command: Command,
): Promise<void> {
  await directOrQueued(
    () =>
      withManager(kit, command, options.module, (m) => m.activate(trigger), {
        createDatabase: true,
      }),
    () => viaSupervisor(kit, command, "activate", trigger),
  );
  kit.out.line(`activated ${trigger}`);
}

/** `deactivate`'s work, loaded when the command runs. */
export async function deactivateAction(
  kit: CommandKit,
  trigger: string,
  options: { module?: string },
  command: Command,
): Promise<void> {
  await directOrQueued(
    () => withManager(kit, command, options.module, (m) => m.deactivate(trigger)),
    () => viaSupervisor(kit, command, "deactivate", trigger),
  );
  kit.out.line(`deactivated ${trigger}`);
}

/** `fire`'s work, loaded when the command runs. */
export async function fireAction(
  kit: CommandKit,
  trigger: string,
  options: { module: string; payload: string; json?: boolean },
  command: Command,
): Promise<void> {
  const payload = parseOption.payload("--payload", options.payload);
  const result: RunOutcome = await directOrQueued(
    async () =>
      outcomeOf(await withManager(kit, command, options.module, (m) => m.fire(trigger, payload))),
    async () => {
      const outcome = await viaSupervisor(kit, command, "fire", trigger, payload);
      return {
        runId: outcome.runId ?? "-",
        status: outcome.status ?? "running",
        outputs: (outcome.outputs ?? {}) as Readonly<Record<string, unknown>>,
      };
    },
  );
  printRunOutcome(kit.out, `fired ${trigger}`, result, options.json);
}
