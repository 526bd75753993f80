import type { Command } from "commander";
import type { BackfillFlags } from "../actions/backfill.js";
import type { CommandKit } from "../CommandKit.js";

const HOW = `
Fires every tick of the trigger's schedule in [--from, --to) once, in order (kind
"backfill"); ticks already on record are left unless --refire. The backfill is stored:
with no supervisor running it is recorded and runs once one starts; while a supervisor
runs on the same database, the request is queued for it (trigger_commands) and applied
within about a second. --list shows the backfills; --cancel <id> stops one.`;

/**
 * `tickflow backfill <trigger> --module <path> --from <ISO> --to <ISO> [--refire]
 * [--overlap N] [--json]`, `tickflow backfill --list [trigger]` and
 * `tickflow backfill --cancel <id>`.
 *
 * @example
 * ```ts
 * backfillCommand(program, kit); // tickflow backfill hourly --module m.ts --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z
 * ```
 */
export function backfillCommand(program: Command, kit: CommandKit): void {
  program
    .command("backfill")
    .description("fire a scheduled trigger's past ticks in a range; list or cancel backfills")
    .addHelpText("after", HOW)
    .argument("[trigger]", "trigger name (with --list: only its backfills)")
    .option("--module <path>", "the module that defines the trigger and its DAG")
    .option(
      "--from <instant>",
      'first instant (inclusive), ISO-8601 with a zone, e.g. "2026-01-01T00:00:00Z"',
    )
    .option("--to <instant>", "end of the range (exclusive); later than now is cut to now")
    .option("--refire", "fire ticks already on record again")
    .option("--overlap <n>", "most runs of the backfill at once (default 1)")
    .option("--list", "list the backfills (newest first)")
    .option("--cancel <id>", "cancel the backfill with this id")
    .option("--json", "print JSON for scripts")
    .action(async (trigger: string | undefined, options: BackfillFlags, command: Command) =>
      (await import("../actions/backfill.js")).backfillAction(kit, trigger, options, command),
    );
}
