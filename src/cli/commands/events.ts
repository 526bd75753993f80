import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow events <trigger> [--limit n] [--before instant] [--json]`: the fire ledger,
 * newest first, a page at a time.
 *
 * @example
 * ```ts
 * eventsCommand(program, kit); // tickflow events hourly_market --limit 20
 * ```
 */
export function eventsCommand(program: Command, kit: CommandKit): void {
  program
    .command("events")
    .description("a trigger's fire ledger, newest first, a page at a time")
    .argument("<trigger>", "trigger name")
    .option("-n, --limit <n>", "rows per page", "20")
    .option(
      "--before <instant>",
      "continue with rows recorded before this instant (from the last page)",
    )
    .option("--json", "print JSON for scripts")
    .action(
      async (
        trigger: string,
        options: { limit: string; before?: string; json?: boolean },
        command: Command,
      ) => (await import("../actions/events.js")).eventsAction(kit, trigger, options, command),
    );
}
