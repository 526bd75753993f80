import { Command, CommanderError, Option } from "commander";
import { CommandKit } from "./CommandKit.js";
import { backfillCommand } from "./commands/backfill.js";
import { cursorCommand } from "./commands/cursor.js";
import { dagCommand } from "./commands/dag.js";
import { dataTriggerCommand } from "./commands/dataTrigger.js";
import { eventsCommand } from "./commands/events.js";
import { execCommands } from "./commands/exec.js";
import { explainCommand } from "./commands/explain.js";
import { healthCommand } from "./commands/health.js";
import { previewCommand } from "./commands/preview.js";
import { pruneCommand } from "./commands/prune.js";
import { replayHistoryCommand } from "./commands/replayHistory.js";
import { runCommand } from "./commands/run.js";
import { runsCommand } from "./commands/runs.js";
import { startCommand } from "./commands/start.js";
import { statusCommand } from "./commands/status.js";
import { triggerActionsCommand } from "./commands/triggerActions.js";
import { uiCommand } from "./commands/ui.js";
import { LOG_LEVELS } from "./logLevels.js";
import { type CliIO, Output } from "./Output.js";

/** Exit codes: 0 done, 1 the command failed, 2 the command line was wrong. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/**
 * Runs the `tickflow` command line and resolves to the exit code. Every failure is
 * one line on stderr saying what was wrong and what to do (`tickflow: ...`); the stack
 * only with `--debug`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), {
 *   stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(),
 * });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const out = new Output(io);
  const kit = new CommandKit(io, out, argv);
  const program = new Command("tickflow")
    .description(
      "durable, scheduled DAG pipelines: run the supervisor, inspect and explain its records",
    )
    .option("--data <dir>", "folder of triggers.db and provenance.db", "data")
    .option("--db <file>", "one database file for triggers and run history (instead of --data)")
    .addOption(
      new Option("--log-level <level>", "structured log level, JSON lines on stderr")
        .choices(LOG_LEVELS)
        .default("warn"),
    )
    .option("--debug", "print the stack of an error", false)
    .showHelpAfterError("(run tickflow --help, or tickflow <command> --help)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  startCommand(program, kit);
  statusCommand(program, kit);
  healthCommand(program, kit);
  eventsCommand(program, kit);
  explainCommand(program, kit);
  runsCommand(program, kit);
  runCommand(program, kit);
  previewCommand(program, kit);
  pruneCommand(program, kit);
  cursorCommand(program, kit);
  replayHistoryCommand(program, kit);
  triggerActionsCommand(program, kit);
  backfillCommand(program, kit);
  dataTriggerCommand(program, kit);
  dagCommand(program, kit);
  execCommands(program, kit);
  uiCommand(program, kit);
  for (const command of program.commands) command.exitOverride();

  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its own message (and the help hint) already.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const debug = argv.includes("--debug");
    io.stderr.write(`tickflow: ${oneLine(error)}\n`);
    if (debug) io.stderr.write(`${stackOf(error)}\n`);
    return EXIT_FAILED;
  }
}

/** The error's message on one line; an unexpected error says how to learn more. */
function oneLine(error: unknown): string {
  const tagged = typeof (error as { _tag?: unknown })?._tag === "string";
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /\s*\n\s*/g,
    " ",
  );
  return tagged
    ? message
    : `${message} (an unexpected error: run again with --debug for the stack, and report it if it persists)`;
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = (current as { cause?: unknown }).cause;
    if (current !== undefined) parts.push("caused by:");
  }
  return parts.join("\n");
}
