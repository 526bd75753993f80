import type { Command } from "commander";
import * as Effect from "effect/Effect";
import { findStoredTrigger } from "../../inspect/findStoredTrigger.js";
import { preview } from "../../schedule/preview.js";
import { scheduleConfig, scheduleFromConfig } from "../../schedule/scheduleConfig.js";
import { parseTickSchedule } from "../../schedule/scheduleOf.js";
import type { TickSchedule } from "../../schedule/TickSchedule.js";
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
  // every, jitter, startAt, endAt when set (the same keys a trigger's stored config has).
  const config = scheduleConfig(schedule);
  if (options.json) {
    kit.out.json({ ...config, entries });
    return;
  }
  const out = kit.out;
  const shape = schedule.kind === "shaped" ? shapeOf(config) : "";
  out.line(`${out.color.bold(schedule.expression)} in ${schedule.timezone}${shape}`);
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

/** ", jitter 30000 ms, from …, until …" for the header line. */
function shapeOf(config: Record<string, unknown>): string {
  const parts: string[] = [];
  if (config.jitter !== undefined) parts.push(`jitter ${String(config.jitter)} ms`);
  if (config.startAt !== undefined) parts.push(`from ${String(config.startAt)}`);
  if (config.endAt !== undefined) parts.push(`until ${String(config.endAt)}`);
  return parts.length === 0 ? "" : `, ${parts.join(", ")}`;
}

/** A cron expression has spaces (or is an @shorthand, or "every 15m"); a trigger name never does. */
async function scheduleOf(
  kit: CommandKit,
  command: Command,
  target: string,
  options: { tz?: string; module?: string },
): Promise<TickSchedule> {
  if (/\s/.test(target.trim()) || target.startsWith("@")) {
    return parseTickSchedule(target, options.tz === undefined ? {} : { timezone: options.tz });
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
      : (scheduleFromConfig(target, {
          ...scheduleConfig(definition.schedule),
          timezone: options.tz,
        }) as TickSchedule);
  }
  const dbs = await kit.open(command, { mode: "read", triggers: "required", provenance: "skip" });
  try {
    const store = dbs.triggers as NonNullable<typeof dbs.triggers>;
    const stored = await runTyped(
      findStoredTrigger(store, target).pipe(Effect.map((s) => s.record)),
    );
    const config =
      options.tz === undefined ? stored.config : { ...stored.config, timezone: options.tz };
    const schedule = scheduleFromConfig(target, config);
    if (schedule === undefined) throw noSchedule();
    return schedule;
  } finally {
    await dbs.close();
  }
}
