import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow prune [--older-than 30d] [--dry-run] [--json]`: deletes history past its
 * retention by hand (ledger rows, journal entries compacted into a checkpoint, finished
 * runs), in small batches; `--dry-run` only counts.
 *
 * @example
 * ```ts
 * pruneCommand(program, kit); // tickflow prune --older-than 90d --dry-run
 * ```
 */
export function pruneCommand(program: Command, kit: CommandKit): void {
  program
    .command("prune")
    .description(
      "delete old history (ledger, journal into a checkpoint, finished runs); default ages: events 30d, runs 30d, journal 7d",
    )
    .option("--older-than <duration>", "prune every kind older than this (30d, 12h, 90m)")
    .option("--dry-run", "count what would be pruned, delete nothing")
    .option("--json", "print JSON for scripts")
    .action(
      async (options: { olderThan?: string; dryRun?: boolean; json?: boolean }, command: Command) =>
        (await import("../actions/prune.js")).pruneAction(kit, options, command),
    );
}
