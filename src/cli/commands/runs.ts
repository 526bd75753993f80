import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";
import { RUN_STATUSES } from "../runStatuses.js";

/**
 * `tickflow runs [--dag nsref] [--status s] [--limit n] [--json]`: recent runs, newest
 * first.
 *
 * @example
 * ```ts
 * runsCommand(program, kit); // tickflow runs --status failed
 * ```
 */
export function runsCommand(program: Command, kit: CommandKit): void {
  program
    .command("runs")
    .description("recent DAG runs, newest first")
    .option("--dag <nsref>", "only runs of this DAG")
    .option("--status <status>", `only runs with this status (${RUN_STATUSES.join(", ")})`)
    .option("-n, --limit <n>", "how many", "20")
    .option("--json", "print JSON for scripts")
    .action(
      async (
        options: { dag?: string; status?: string; limit: string; json?: boolean },
        command: Command,
      ) => (await import("../actions/runs.js")).runsAction(kit, options, command),
    );
}
