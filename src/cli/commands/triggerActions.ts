import type { Command } from "commander";
import type { StatusChangeFlags } from "../actions/triggerActions.js";
import type { CommandKit } from "../CommandKit.js";

const LIMITATION = `
With no supervisor running, acts on the database directly, holding its supervisor lease
for the moment it takes. While a supervisor runs on the same database, the command is
queued for it (trigger_commands): it applies it within about a second, and this command
waits for the outcome (for fire: the run's end).`;

/**
 * `tickflow activate <trigger> [--module <path>] [--note TEXT] [--by WHO]`,
 * `tickflow deactivate <trigger> [--note TEXT] [--by WHO]` and
 * `tickflow fire <trigger> --module <path> [--payload JSON]`: the three writes a person
 * makes by hand, each through an in-process manager (see `withManager`).
 *
 * @example
 * ```ts
 * triggerActionsCommand(program, kit); // tickflow fire orders --module examples/market.ts --payload '{"id":1}'
 * ```
 */
export function triggerActionsCommand(program: Command, kit: CommandKit): void {
  const actions = () => import("../actions/triggerActions.js");
  program
    .command("activate")
    .description("activate a trigger (a disabled one too); it fires once a supervisor runs")
    .addHelpText("after", LIMITATION)
    .argument("<trigger>", "trigger name")
    .option(
      "--module <path>",
      "the module that defines the trigger (not needed while a supervisor runs: it has it)",
    )
    .option("--note <text>", "why (kept with the change; shown by status and explain)")
    .option("--by <who>", "who makes the change")
    .option("--json", "print the outcome as JSON")
    .action(async (trigger: string, options: StatusChangeFlags & { module?: string }, command) =>
      (await actions()).activateAction(kit, trigger, options, command),
    );

  program
    .command("deactivate")
    .description("deactivate a trigger: it stays in the database as disabled")
    .addHelpText("after", LIMITATION)
    .argument("<trigger>", "trigger name")
    .option("--module <path>", "the module that defines the trigger (not needed)")
    .option("--note <text>", 'why, e.g. "vendor API down, INC-42" (shown by status and explain)')
    .option("--by <who>", "who pauses it")
    .option("--json", "print the outcome as JSON")
    .action(async (trigger: string, options: StatusChangeFlags & { module?: string }, command) =>
      (await actions()).deactivateAction(kit, trigger, options, command),
    );

  program
    .command("fire")
    .description("fire an active trigger now, wait for its run, print its outputs")
    .addHelpText("after", LIMITATION)
    .argument("<trigger>", "trigger name")
    .requiredOption("--module <path>", "the module that defines the trigger and its DAG")
    .option("--payload <json>", "the payload, a JSON object", "{}")
    .option(
      "--key <key>",
      "an idempotency key: a key fired before prints that fire's run and starts nothing",
    )
    .option("--json", "print the run's result as JSON")
    .action(
      async (
        trigger: string,
        options: { module: string; payload: string; key?: string; json?: boolean },
        command: Command,
      ) => (await actions()).fireAction(kit, trigger, options, command),
    );
}
