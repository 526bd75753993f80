import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow preview <trigger|cron> [-n 10] [--tz zone] [--after instant] [--json]`: the
 * next instants of a schedule with notes where a DST change shapes a tick.
 *
 * @example
 * ```ts
 * previewCommand(program, kit); // tickflow preview "30 2 * * *" --tz America/New_York
 * ```
 */
export function previewCommand(program: Command, kit: CommandKit): void {
  program
    .command("preview")
    .description("the next instants of a trigger's schedule or a cron expression, with DST notes")
    .argument("<trigger|cron>", 'a trigger name, or a cron expression such as "0 9 * * MON-FRI"')
    .option("-n, --count <n>", "how many instants", "10")
    .option("--tz <zone>", "IANA time zone of a cron expression (default: this machine's)")
    .option("--after <instant>", "start after this instant (default: now)")
    .option("--module <path>", "read the trigger's definition from this module, not the database")
    .option("--json", "print JSON for scripts")
    .action(
      async (
        target: string,
        options: { count: string; tz?: string; after?: string; module?: string; json?: boolean },
        command: Command,
      ) => (await import("../actions/preview.js")).previewAction(kit, target, options, command),
    );
}
