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

const LIMITATION = `
With no supervisor running, acts on the database directly, holding its supervisor lease
for the moment it takes. While a supervisor runs on the same database, the command is
queued for it (trigger_commands): it applies it within about a second, and this command
waits for the outcome (for fire: the run's end).`;

/**
 * `tickflow activate <trigger> --module <path>`, `tickflow deactivate <trigger>` and
 * `tickflow fire <trigger> --module <path> [--payload JSON]`: the three writes a person
 * makes by hand, each through an in-process manager (see `withManager`).
 *
 * @example
 * ```ts
 * triggerActionsCommand(program, kit); // tickflow fire orders --module examples/market.ts --payload '{"id":1}'
 * ```
 */
export function triggerActionsCommand(program: Command, kit: CommandKit): void {
  program
    .command("activate")
    .description("activate a trigger (a disabled one too); it fires once a supervisor runs")
    .addHelpText("after", LIMITATION)
    .argument("<trigger>", "trigger name")
    .requiredOption("--module <path>", "the module that defines the trigger")
    .action(async (trigger: string, options: { module: string }, command: Command) => {
      await directOrQueued(
        () =>
          withManager(kit, command, options.module, (m) => m.activate(trigger), {
            createDatabase: true,
          }),
        () => viaSupervisor(kit, command, "activate", trigger),
      );
      kit.out.line(`activated ${trigger}`);
    });

  program
    .command("deactivate")
    .description("deactivate a trigger: it stays in the database as disabled")
    .addHelpText("after", LIMITATION)
    .argument("<trigger>", "trigger name")
    .option("--module <path>", "the module that defines the trigger (not needed)")
    .action(async (trigger: string, options: { module?: string }, command: Command) => {
      await directOrQueued(
        () => withManager(kit, command, options.module, (m) => m.deactivate(trigger)),
        () => viaSupervisor(kit, command, "deactivate", trigger),
      );
      kit.out.line(`deactivated ${trigger}`);
    });

  program
    .command("fire")
    .description("fire an active trigger now, wait for its run, print its outputs")
    .addHelpText("after", LIMITATION)
    .argument("<trigger>", "trigger name")
    .requiredOption("--module <path>", "the module that defines the trigger and its DAG")
    .option("--payload <json>", "the payload, a JSON object", "{}")
    .option("--json", "print the run's result as JSON")
    .action(
      async (
        trigger: string,
        options: { module: string; payload: string; json?: boolean },
        command: Command,
      ) => {
        const payload = parseOption.payload("--payload", options.payload);
        const result: FireOutcome = await directOrQueued(
          async () => {
            const run = await withManager(kit, command, options.module, (m) =>
              m.fire(trigger, payload),
            );
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
      },
    );
}
