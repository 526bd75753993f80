import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow explain <trigger> [--since when] [--limit n] [--json]`: why it fired, or
 * did not, decision by decision.
 *
 * @example
 * ```ts
 * explainCommand(program, kit); // tickflow explain hourly_market --since 2h
 * ```
 */
export function explainCommand(program: Command, kit: CommandKit): void {
  program
    .command("explain")
    .description("why a trigger fired or did not: each decision with its reason and time")
    .argument("<trigger>", "trigger name")
    .option("--since <when>", "only decisions since an instant or a duration ago (2h, 30m, 1d)")
    .option("-n, --limit <n>", "only the most recent n decisions", "50")
    .option("--json", "print JSON for scripts")
    .action(
      async (
        trigger: string,
        options: { since?: string; limit: string; json?: boolean },
        command: Command,
      ) => (await import("../actions/explain.js")).explainAction(kit, trigger, options, command),
    );
}
