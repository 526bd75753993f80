import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";
import { RunDidNotComplete, SupervisorRunning } from "../errors.js";
import { parseOption } from "../parseOption.js";
import { viaSupervisor } from "../viaSupervisor.js";
import { withManager } from "../withManager.js";

/** What `fire` prints, from an in-process run or from the running supervisor's. */
interface FireOutcome {
  readonly runId: string;
  readonly status: string;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly error?: string;
}

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
  const result: FireOutcome = await directOrQueued(
    async () => {
      const run = await withManager(kit, command, options.module, (m) => m.fire(trigger, payload));
      return {
        runId: run.runId,
        status: run.status,
        outputs: run.outputs,
        ...(run.error ? { error: run.error.message } : {}),
      };
    },
    async () => {
      const outcome = await viaSupervisor(kit, command, "fire", trigger, payload);
      return {
        runId: outcome.runId ?? "-",
        status: outcome.status ?? "running",
        outputs: (outcome.outputs ?? {}) as Readonly<Record<string, unknown>>,
      };
    },
  );
  if (options.json) {
    kit.out.json({
      runId: result.runId,
      status: result.status,
      outputs: result.outputs,
      ...(result.error ? { error: result.error } : {}),
    });
  } else {
    kit.out.line(`fired ${trigger}: run ${result.runId} ${kit.out.status(result.status)}`);
    for (const [label, value] of Object.entries(result.outputs)) {
      kit.out.line(`  ${label}: ${JSON.stringify(value)}`);
    }
  }
  if (result.status !== "completed") {
    throw new RunDidNotComplete({
      runId: result.runId,
      status: result.status,
      error: result.error,
    });
  }
}
