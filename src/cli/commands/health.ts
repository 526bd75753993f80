import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow health [--max-overdue 30s] [--json]`: exit 0 when a supervisor works the
 * database and no tick is overdue, else 1 (a container probe).
 *
 * @example
 * ```ts
 * healthCommand(program, kit); // tickflow health --data ./data --max-overdue 1m
 * ```
 */
export function healthCommand(program: Command, kit: CommandKit): void {
  program
    .command("health")
    .description(
      "exit 0 if a supervisor holds this database's lease and no tick is overdue, else 1 (for a container probe)",
    )
    .option("--max-overdue <duration>", "how late a due tick may be (30s, 2m, 500ms)", "30s")
    .option("--json", "print JSON for scripts")
    .action(async (options: { maxOverdue: string; json?: boolean }, command: Command) =>
      (await import("../actions/health.js")).healthAction(kit, options, command),
    );
}
