import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow run <runId> [--mermaid] [--json]`: a run's nodes with status, attempt,
 * times and errors, or the run as a Mermaid picture coloured by node status.
 *
 * @example
 * ```ts
 * runCommand(program, kit); // tickflow run 3f1c9a0b-... --mermaid
 * ```
 */
export function runCommand(program: Command, kit: CommandKit): void {
  program
    .command("run")
    .description("a run's nodes with status, attempt, times and errors")
    .argument("<runId>", "the run id (from tickflow runs, events or explain)")
    .option("--mermaid", "print the run as a Mermaid flowchart, nodes coloured by status")
    .option("--json", "print JSON for scripts (with node inputs and outputs)")
    .action(
      async (runId: string, options: { mermaid?: boolean; json?: boolean }, command: Command) =>
        (await import("../actions/run.js")).runAction(kit, runId, options, command),
    );
}
