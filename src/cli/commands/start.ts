import type { Command } from "commander";
import type { CommandKit } from "../CommandKit.js";

/**
 * `tickflow start <module> [--for seconds] [--grace seconds]`: the supervisor in the
 * foreground. Loads the module's namespace, opens (creating) the databases, activates
 * the module's triggers that the database does not know yet (a disabled one stays
 * disabled), and prints a line per fire until Ctrl-C, SIGTERM or `--for` stops it.
 *
 * @example
 * ```ts
 * startCommand(program, kit); // tickflow start examples/market.ts --for 5
 * ```
 */
export function startCommand(program: Command, kit: CommandKit): void {
  program
    .command("start")
    .description("run the supervisor in the foreground: fires the module's triggers until Ctrl-C")
    .argument(
      "<module>",
      "a .ts or .js module that exports a Namespace (default export, or `namespace`/`ns`)",
    )
    .option("--for <seconds>", "stop by itself after this many seconds")
    .option(
      "--grace <seconds>",
      "on stop, how long runs in flight may finish before they are interrupted",
      "10",
    )
    .action(
      async (modulePath: string, options: { for?: string; grace: string }, command: Command) =>
        (await import("../actions/start.js")).startAction(kit, modulePath, options, command),
    );
}
