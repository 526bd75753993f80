import type { Command } from "commander";
import * as Effect from "effect/Effect";
import { findStoredTrigger } from "../../inspect/findStoredTrigger.js";
import { formatInstant } from "../../inspect/formatInstant.js";
import { ledgerPage } from "../../inspect/ledgerPage.js";
import { runTyped } from "../../store/runTyped.js";
import type { CommandKit } from "../CommandKit.js";
import { flagAsTyped } from "../flagAsTyped.js";
import { parseOption } from "../parseOption.js";
import { when } from "../when.js";

/** The `events` command's work, loaded when the command runs (see ../commands/events.ts). */
export async function eventsAction(
  kit: CommandKit,
  trigger: string,
  options: { limit: string; before?: string; json?: boolean },
  command: Command,
): Promise<void> {
  const limit = parseOption.count(flagAsTyped(kit.argv, command, "--limit"), options.limit);
  const before =
    options.before === undefined ? undefined : parseOption.instant("--before", options.before);
  const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
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
      out.line(`No ledger rows for ${trigger}${before ? ` before ${formatInstant(before)}` : ""}.`);
      return;
    }
    out.line(
      out.table(
        ["RECORDED", "TICK", "STATUS", "RUN", "DETAIL"],
        page.events.map((e) => [
          when(e.firedAt),
          // Why it fired: push or manual for a fire without a tick (with its idempotency
          // key, if any); a catch-up is marked.
          e.scheduledAt === undefined
            ? out.color.dim(`${e.kind ?? "push"}${e.key === undefined ? "" : ` key ${e.key}`}`)
            : `${when(e.scheduledAt)}${e.kind === "catchUp" ? out.color.dim(" (catch-up)") : ""}`,
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
}
