import type { Command } from "commander";
import { Effect } from "effect";
import { findStoredTrigger } from "../../inspect/findStoredTrigger.js";
import { formatInstant } from "../../inspect/formatInstant.js";
import { ledgerPage } from "../../inspect/ledgerPage.js";
import { runTyped } from "../../store/runTyped.js";
import type { CommandKit } from "../CommandKit.js";
import { parseOption } from "../parseOption.js";
import { when } from "../when.js";

/**
 * `tickflow events <trigger> [--limit n] [--before instant] [--json]`: the fire ledger,
 * newest first, a page at a time.
 *
 * @example
 * ```ts
 * eventsCommand(program, kit); // tickflow events hourly_market --limit 20
 * ```
 */
export function eventsCommand(program: Command, kit: CommandKit): void {
  program
    .command("events")
    .description("a trigger's fire ledger, newest first, a page at a time")
    .argument("<trigger>", "trigger name")
    .option("-n, --limit <n>", "rows per page", "20")
    .option(
      "--before <instant>",
      "continue with rows recorded before this instant (from the last page)",
    )
    .option("--json", "print JSON for scripts")
    .action(
      async (
        trigger: string,
        options: { limit: string; before?: string; json?: boolean },
        command: Command,
      ) => {
        const limit = parseOption.count("--limit", options.limit);
        const before =
          options.before === undefined
            ? undefined
            : parseOption.instant("--before", options.before);
        const dbs = kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
        try {
          const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
          await runTyped(Effect.asVoid(findStoredTrigger(store, trigger)));
          const page = await ledgerPage(store, trigger, { limit, before });
          if (options.json) {
            kit.out.json({ trigger, events: page.events, nextBefore: page.nextBefore });
            return;
          }
          const out = kit.out;
          if (page.events.length === 0) {
            out.line(
              `No ledger rows for ${trigger}${before ? ` before ${formatInstant(before)}` : ""}.`,
            );
            return;
          }
          out.line(
            out.table(
              ["RECORDED", "TICK", "STATUS", "RUN", "DETAIL"],
              page.events.map((e) => [
                when(e.firedAt),
                e.scheduledAt === undefined ? out.color.dim("push") : when(e.scheduledAt),
                out.status(e.status),
                e.runId ?? out.color.dim("-"),
                e.error ?? (e.scheduledAt === undefined ? JSON.stringify(e.payload) : ""),
              ]),
            ),
          );
          if (page.nextBefore !== undefined) {
            out.line(
              out.color.dim(
                `older: tickflow events ${trigger} --limit ${limit} --before ${page.nextBefore.toISOString()}`,
              ),
            );
          }
        } finally {
          await dbs.close();
        }
      },
    );
}
