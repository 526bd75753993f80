import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow replay-history <trigger> [--until seq|instant] [--json]`: rebuilds the
 * trigger's machine state from its journal and checks it against the stored snapshot;
 * exits non-zero when they disagree.
 *
 * @example
 * ```ts
 * replayHistoryCommand(program, kit); // tickflow replay-history hourly_market --until 42
 * ```
 */
export function replayHistoryCommand(program: Command, kit: CommandKit): void {
  program
    .command("replay-history")
    .description(
      "rebuild a trigger's machine state from its journal and compare it with the stored snapshot",
    )
    .argument("<trigger>", "trigger name")
    .option("--until <seq|instant>", "stop after this journal sequence number or instant")
    .option("--json", "print JSON for scripts")
    .action(
      async (trigger: string, options: { until?: string; json?: boolean }, command: Command) =>
        (await import("../actions/replayHistory.js")).replayHistoryAction(
          kit,
          trigger,
          options,
          command,
        ),
    );
}
