import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow dag <module> <nsref> [--mermaid] [--json]`: a registered DAG's nodes and
 * edges, or its Mermaid flowchart.
 *
 * @example
 * ```ts
 * dagCommand(program, kit); // tickflow dag examples/market.ts pipelines:market_summary --mermaid
 * ```
 */
export function dagCommand(program: Command, kit: CommandKit): void {
  program
    .command("dag")
    .description("a registered DAG's nodes and edges, or its Mermaid flowchart")
    .argument("<module>", "the module that registers the DAG")
    .argument("<nsref>", "the DAG's nsref, e.g. pipelines:market_summary")
    .option("--mermaid", "print a Mermaid flowchart")
    .option("--json", "print JSON for scripts")
    .action(
      async (modulePath: string, nsref: string, options: { mermaid?: boolean; json?: boolean }) =>
        (await import("../actions/dag.js")).dagAction(kit, modulePath, nsref, options),
    );
}
