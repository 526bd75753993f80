import type { Command } from "commander";
import type { DefinitionFlags } from "../actions/dataTrigger.js";
import type { CommandKit } from "../CommandKit.js";

const HOW = `
The definition is JSON with the fields of ns.registerTrigger (a poll function is named by
pollNsref, a function registered in --module). With no supervisor running, the change is
made on the database directly (the new trigger activated); while one runs, it is stored
for it: every supervisor applies definition changes at its next heartbeat, and this
command waits up to 15 s for it.`;

/**
 * `tickflow trigger add|update|remove`: triggers as data, created, changed and removed
 * at run time (see `TriggerManager.upsertTrigger`).
 *
 * @example
 * ```ts
 * dataTriggerCommand(program, kit); // tickflow trigger add c42 --module app.ts --dag reports:daily --schedule "0 7 * * *"
 * ```
 */
export function dataTriggerCommand(program: Command, kit: CommandKit): void {
  const actions = () => import("../actions/dataTrigger.js");
  const trigger = program
    .command("trigger")
    .description("create, change or remove a trigger defined as data (stored in the database)");
  for (const mode of ["add", "update"] as const) {
    trigger
      .command(mode)
      .description(
        mode === "add"
          ? "define a new data trigger (activated at once)"
          : "change a data trigger: the fields given (or the whole --file)",
      )
      .addHelpText("after", HOW)
      .argument("[name]", "trigger name (else the definition's name)")
      .requiredOption("--module <path>", "the module whose namespace holds its DAG")
      .option("--file <path>", "the definition, a JSON file")
      .option("--dag <nsref>", "the DAG (or function) it runs")
      .option("--type <type>", "cron, poll or push")
      .option("--schedule <cron>", "a cron expression")
      .option("--every <duration>", 'an interval instead of cron ("15m")')
      .option("--timezone <zone>", "IANA zone of the schedule")
      .option("--jitter <duration>", "fire each tick up to this much later")
      .option("--start-at <instant>", "no tick before (ISO 8601)")
      .option("--end-at <instant>", "no tick at or after (ISO 8601)")
      .option("--payload <json>", "payload of its fires, a JSON object")
      .option("--poll <nsref>", "a registered function asked at each tick (poll)")
      .option("--overlap <policy>", "skip, bufferOne, bufferAll, cancelOther or allowAll")
      .option("--max-concurrent <n>", "with allowAll: most runs at once")
      .option("--poll-timeout <ms>", "ms a poll may take")
      .option("--catch-up <policy>", "skip, latest or all")
      .option("--max-catch-up <n>", "with catch-up all: most missed ticks fired")
      .option("--catch-up-window <ms>", "only ticks missed within this many ms")
      .option("--pause-after-failures <n>", "disable after this many failed runs in a row")
      .option("--by <who>", "who makes the change (journaled)")
      .option("--json", "print the outcome as JSON")
      .action(async (name: string | undefined, flags: DefinitionFlags, command: Command) =>
        (await actions()).upsertAction(kit, mode, name, flags, command),
      );
  }
  trigger
    .command("remove")
    .description("remove a data trigger: it stops firing, a run in flight finishes, history stays")
    .addHelpText("after", HOW)
    .argument("<name>", "trigger name")
    .requiredOption("--module <path>", "the module whose namespace the supervisor runs")
    .option("--by <who>", "who removes it (journaled)")
    .option("--json", "print the outcome as JSON")
    .action(
      async (
        name: string,
        flags: { module: string; by?: string; json?: boolean },
        command: Command,
      ) => (await actions()).removeAction(kit, name, flags, command),
    );
}
