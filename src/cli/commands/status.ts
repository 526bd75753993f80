import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow status [--module <path>] [--json]`: the inspect table.
 *
 * @example
 * ```ts
 * statusCommand(program, kit); // tickflow status --data ./data
 * ```
 */
export function statusCommand(program: Command, kit: CommandKit): void {
  program
    .command("status")
    .description("every trigger: machine state, next fire, last run, ledger counts")
    .option(
      "--module <path>",
      "also list the module's triggers not activated yet, and flag stored ones it no longer defines",
    )
    .option("--json", "print JSON for scripts")
    .action(async (options: { module?: string; json?: boolean }, command: Command) =>
      (await import("../actions/status.js")).statusAction(kit, options, command),
    );
}
