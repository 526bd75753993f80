import type { Command } from "commander";
import type { CursorFlags } from "../actions/cursor.js";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow cursor <trigger> [--set JSON] [--clear] [--note TEXT] [--by WHO] [--json]`:
 * prints a poll trigger's committed cursor, or resets it (journaled). A reset holds the
 * database's supervisor lease, so it is refused while a supervisor runs (stop it, or call
 * `manager.setCursor` in it): that supervisor keeps the cursor in memory.
 *
 * @example
 * ```ts
 * cursorCommand(program, kit); // tickflow cursor inbox --set '{"since": 0}'
 * ```
 */
export function cursorCommand(program: Command, kit: CommandKit): void {
  program
    .command("cursor")
    .description("print a poll trigger's cursor, or reset it (--set JSON, --clear)")
    .argument("<trigger>", "trigger name")
    .option("--set <json>", "the new cursor, any JSON value")
    .option("--clear", "clear the cursor (the next poll gets undefined)")
    .option("--module <path>", "the module that defines the trigger (shared triggers)")
    .option("--note <text>", "why (kept in the journal entry)")
    .option("--by <who>", "who resets it")
    .option("--json", "print JSON for scripts")
    .action(async (trigger: string, options: CursorFlags, command: Command) =>
      (await import("../actions/cursor.js")).cursorAction(kit, trigger, options, command),
    );
}
