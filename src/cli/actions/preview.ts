import type { Command } from "commander";
import * as Effect from "effect/Effect";
import { findStoredTrigger } from "../../inspect/findStoredTrigger.js";
import { preview } from "../../schedule/preview.js";
import { parseSchedule, type Schedule } from "../../schedule/Schedule.js";
import { runTyped } from "../../store/runTyped.js";
import type { CommandKit } from "../CommandKit.js";
import { NotApplicable } from "../errors.js";
import { loadNamespace } from "../loadNamespace.js";
import { parseOption } from "../parseOption.js";

/** The `preview` command's work, loaded when the command runs (see ../commands/preview.ts). */
export async function previewAction(
  kit: CommandKit,
  target: string,
  options: { count: string; tz?: string; after?: string; module?: string; json?: boolean },
  command: Command,
): Promise<void> {
  const count = parseOption.count("--count", options.count);
  const after =
    options.after === undefined ? new Date() : parseOption.instant("--after", options.after);
  const schedule = await scheduleOf(kit, command, target, options);
  const entries = preview(schedule, after, count);
  if (options.json) {
    kit.out.json({ schedule: schedule.expression, timezone: schedule.timezone, entries });
    return;
  }
  const out = kit.out;
  out.line(`${out.color.bold(schedule.expression)} in ${schedule.timezone}`);
  out.line(
    out.table(
      ["#", "UTC", "LOCAL", "NOTE"],
      entries.map((entry, i) => [
        String(i + 1),
        entry.at.toISOString().replace(".000Z", "Z"),
        entry.local,
        entry.note === undefined ? "" : out.color.yellow(entry.note),
      ]),
    ),
  );
}

/** A cron expression has spaces (or is an @shorthand); a trigger name never does. */
async function scheduleOf(
  kit: CommandKit,
  command: Command,
  target: string,
  options: { tz?: string; module?: string },
): Promise<Schedule> {
  if (/\s/.test(target.trim()) || target.startsWith("@")) {
    return parseSchedule(target, options.tz === undefined ? {} : { timezone: options.tz });
  }
  const noSchedule = () =>
    new NotApplicable({
      what: `trigger "${target}"`,
      reason: "is a push trigger: it has no schedule",
      hint: 'preview a cron expression instead, e.g. tickflow preview "0 * * * *"',
    });
  if (options.module !== undefined) {
    const definition = (await loadNamespace(options.module, kit.io.cwd)).getTrigger(target);
    if (definition.schedule === undefined) throw noSchedule();
    return options.tz === undefined
      ? definition.schedule
      : parseSchedule(definition.schedule.expression, { timezone: options.tz });
  }
  const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
  try {
    const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
    const stored = await runTyped(
      findStoredTrigger(store, target).pipe(Effect.map((s) => s.record)),
    );
    const expression = stored.config.schedule;
    if (typeof expression !== "string") throw noSchedule();
    const timezone = options.tz ?? stored.config.timezone;
    return parseSchedule(expression, typeof timezone === "string" ? { timezone } : {});
  } finally {
    await dbs.close();
  }
}
