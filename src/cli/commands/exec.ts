import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

const RECORDED = `
The run is recorded in the run history (--data or --db), like a trigger's: inspect it
with tickflow run <runId>. The exit code is 0 when the run completed, 1 otherwise.`;

/**
 * `tickflow exec <module> <nsref> [--input JSON] [--json]` (run a DAG or a function once),
 * `tickflow restart <runId> --module <path>` (continue a failed, paused or interrupted
 * run in place) and `tickflow replay <runId> --module <path> --rerun a,b` (a new run that
 * re-runs the named nodes and copies the rest): runs from the command line, recorded in
 * the run history.
 *
 * @example
 * ```ts
 * execCommands(program, kit); // tickflow exec examples/market.ts pipelines:market_summary --input '{}'
 * ```
 */
export function execCommands(program: Command, kit: CommandKit): void {
  const actions = () => import("../actions/exec.js");
  program
    .command("exec")
    .description("run a registered DAG (or function) once, print its outputs")
    .addHelpText("after", RECORDED)
    .argument("<module>", "the module that registers it")
    .argument("<nsref>", "the DAG's or function's nsref, e.g. pipelines:market_summary")
    .option("--input <json>", "the run's input, JSON (a DAG's source nodes get it)", "{}")
    .option("--json", "print the run's result as JSON")
    .action(
      async (
        modulePath: string,
        nsref: string,
        options: { input: string; json?: boolean },
        command: Command,
      ) => (await actions()).execAction(kit, modulePath, nsref, options, command),
    );

  program
    .command("restart")
    .description("continue a failed, paused or interrupted run; finished nodes are not re-run")
    .addHelpText("after", RECORDED)
    .argument("<runId>", "the run id (from tickflow exec, runs or events)")
    .requiredOption("--module <path>", "the module that registers the run's DAG")
    .option("--json", "print the run's result as JSON")
    .action(async (runId: string, options: { module: string; json?: boolean }, command: Command) =>
      (await actions()).restartAction(kit, runId, options, command),
    );

  program
    .command("replay")
    .description(
      "a new run of a recorded one: re-run the named nodes (and downstream), copy the rest",
    )
    .addHelpText("after", RECORDED)
    .argument("<runId>", "the run id to replay (from tickflow exec, runs or events)")
    .requiredOption("--module <path>", "the module that registers the run's DAG")
    .requiredOption("--rerun <labels>", "the node labels to run again, comma-separated")
    .option("--json", "print the run's result as JSON")
    .action(
      async (
        runId: string,
        options: { module: string; rerun: string; json?: boolean },
        command: Command,
      ) => (await actions()).replayAction(kit, runId, options, command),
    );
}
