import type { Command } from "commander";
import { explain } from "../../inspect/explain.js";
import { formatInstant } from "../../inspect/formatInstant.js";
import { inspect } from "../../inspect/inspect.js";
import type { CommandKit } from "../CommandKit.js";
import { flagAsTyped } from "../flagAsTyped.js";
import { parseOption } from "../parseOption.js";
import { when } from "../when.js";
import { noteLine, noteWorthShowing } from "./status.js";

/** The `explain` command's work, loaded when the command runs (see ../commands/explain.ts). */
export async function explainAction(
  kit: CommandKit,
  trigger: string,
  options: { since?: string; limit: string; json?: boolean },
  command: Command,
): Promise<void> {
  const limit = parseOption.count(flagAsTyped(kit.argv, command, "--limit"), options.limit);
  const since =
    options.since === undefined
      ? undefined
      : parseOption.since("--since", options.since, Date.now());
  const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
  try {
    const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
    const decisions = await explain(store, trigger, {
      limit,
      ...(since === undefined ? {} : { since }),
    });
    const now = (await inspect(store)).find((t) => t.name === trigger);
    if (options.json) {
      kit.out.json({ trigger, now, decisions });
      return;
    }
    const out = kit.out;
    const c = out.color;
    if (now !== undefined) {
      const parts = [
        `${c.bold(trigger)} is ${now.state === undefined ? c.red(`unreadable (${now.problem})`) : out.status(now.state)}`,
        now.schedule === undefined
          ? "push"
          : `schedule "${now.schedule}"${now.timezone ? ` ${now.timezone}` : ""}`,
        now.nextFireAt === undefined ? undefined : `next fire ${when(now.nextFireAt, Date.now())}`,
        now.inFlight.length === 0
          ? undefined
          : `${now.inFlight.length === 1 ? "run" : "runs"} ${now.inFlight.map((f) => f.runId).join(", ")} in flight`,
        now.pending.length === 0 ? undefined : `${now.pending.length} buffered`,
        now.cursor === undefined ? undefined : `cursor ${JSON.stringify(now.cursor)}`,
        !noteWorthShowing(now.status, now.statusNote)
          ? undefined
          : `${now.status === "disabled" ? "paused" : "note"}: ${noteLine(now.statusNote, Date.now())}`,
      ];
      out.line(parts.filter((p) => p !== undefined).join(" · "));
    }
    if (decisions.length === 0) {
      out.line(`No decisions${since ? ` since ${formatInstant(since)}` : ""}.`);
      return;
    }
    const width = Math.max(...decisions.map((d) => d.kind.length));
    for (const d of decisions) {
      out.line(
        `${formatInstant(d.at)}  ${out.status(d.kind)}${" ".repeat(width - d.kind.length)}  ${d.reason}`,
      );
    }
  } finally {
    await dbs.close();
  }
}
