import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";
import { RunDidNotComplete } from "../errors.js";
import { parseOption } from "../parseOption.js";
import { withManager } from "../withManager.js";

const LIMITATION = `
Acts on the database directly, holding its supervisor lease for the moment it takes:
while a supervisor runs on the same database this command refuses (the supervisor keeps
its machines in memory and would not see the change). Stop the supervisor, run this,
start it again.`;

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
      await withManager(kit, command, options.module, (m) => m.activate(trigger), {
        createDatabase: true,
      });
      kit.out.line(`activated ${trigger}`);
    });

  program
    .command("deactivate")
    .description("deactivate a trigger: it stays in the database as disabled")
    .addHelpText("after", LIMITATION)
    .argument("<trigger>", "trigger name")
    .option("--module <path>", "the module that defines the trigger (not needed)")
    .action(async (trigger: string, options: { module?: string }, command: Command) => {
      await withManager(kit, command, options.module, (m) => m.deactivate(trigger));
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
        const result = await withManager(kit, command, options.module, (m) =>
          m.fire(trigger, payload),
        );
        if (options.json) {
          kit.out.json({
            runId: result.runId,
            status: result.status,
            outputs: result.outputs,
            ...(result.error ? { error: result.error.message } : {}),
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
            error: result.error?.message,
          });
        }
      },
    );
}
