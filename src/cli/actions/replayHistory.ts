import type { Command } from "commander";
import { formatInstant } from "../../inspect/formatInstant.js";
import { replayHistory } from "../../inspect/replayHistory.js";
import type { CommandKit } from "../CommandKit.js";
import { JournalMismatch } from "../errors.js";
import { parseOption } from "../parseOption.js";

/** The `replayHistory` command's work, loaded when the command runs (see ../commands/replayHistory.ts). */
export async function replayHistoryAction(
  kit: CommandKit,
  trigger: string,
  options: { until?: string; json?: boolean },
  command: Command,
): Promise<void> {
  const until =
    options.until === undefined ? undefined : parseOption.until("--until", options.until);
  const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
  let mismatch: JournalMismatch | undefined;
  try {
    const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
    const report = await replayHistory(store, trigger, until === undefined ? {} : { until });
    if (report.matchesSnapshot === false) {
      mismatch = new JournalMismatch({ name: trigger, differences: report.differences });
    }
    if (options.json) {
      kit.out.json(report);
    } else {
      const out = kit.out;
      const c = out.color;
      out.line(
        out.table(
          ["SEQ", "AT", "EVENT", "STATE", "JOURNAL", "ACTIONS"],
          report.events.map((step) => [
            String(step.seq),
            formatInstant(step.at),
            describeEvent(step.event),
            out.status(step.stateAfter),
            step.agrees ? c.dim(step.journaledState) : c.red(step.journaledState),
            step.actions.join(", "),
          ]),
        ),
      );
      if (report.checkpoint !== undefined) {
        out.line(
          c.dim(
            `journal pruned through seq ${report.checkpoint.seq} on ${formatInstant(report.checkpoint.prunedAt)}: replayed from its checkpoint`,
          ),
        );
      }
      const upTo =
        report.lastSeq === undefined ? "no journal entry" : `journal seq ${report.lastSeq}`;
      out.line(
        `replayed ${report.events.length} events (up to ${upTo}): ${out.status(report.state)}`,
      );
      if (report.matchesSnapshot === true) {
        out.line(`stored snapshot: ${out.status(report.snapshotState)} — ${c.green("matches")}`);
      } else if (report.matchesSnapshot === false) {
        out.line(`stored snapshot: ${out.status(report.snapshotState)} — ${c.red("differs")}`);
        for (const difference of report.differences) out.line(`  ${difference}`);
      } else if (report.snapshotProblem !== undefined) {
        out.line(`stored snapshot: ${c.red(`unreadable (${report.snapshotProblem})`)}`);
      } else {
        out.line(c.dim("stored snapshot: not compared (--until replays a past state)"));
      }
    }
  } finally {
    await dbs.close();
  }
  if (mismatch !== undefined) throw mismatch;
}

function describeEvent(event: { readonly type: string } & Record<string, unknown>): string {
  const parts: string[] = [event.type];
  if (typeof event.scheduledAt === "number") parts.push(`tick ${formatInstant(event.scheduledAt)}`);
  if (typeof event.reason === "string") parts.push(event.reason);
  if (typeof event.runId === "string") parts.push(`run ${event.runId}`);
  if (typeof event.status === "string") parts.push(event.status);
  return parts.join(" ");
}
