import type { Command } from "commander";
import * as Effect from "effect/Effect";
import { findStoredTrigger } from "../../inspect/findStoredTrigger.js";
import { type FireLimit, fireLimitOf, fireLimitText } from "../../inspect/fireLimit.js";
import { preview } from "../../schedule/preview.js";
import { scheduleConfig, scheduleFromConfig } from "../../schedule/scheduleConfig.js";
import { parseTickSchedule } from "../../schedule/scheduleOf.js";
import type { TickSchedule } from "../../schedule/TickSchedule.js";
import { runTyped } from "../../store/runTyped.js";
import type { CommandKit } from "../CommandKit.js";
import { NotApplicable } from "../errors.js";
import { flagAsTyped } from "../flagAsTyped.js";
import { loadNamespace } from "../loadNamespace.js";
import { parseOption } from "../parseOption.js";

/** The `preview` command's work, loaded when the command runs (see ../commands/preview.ts). */
export async function previewAction(
  kit: CommandKit,
  target: string,
  options: { count: string; tz?: string; after?: string; module?: string; json?: boolean },
  command: Command,
): Promise<void> {
  const count = parseOption.count(flagAsTyped(kit.argv, command, "--count"), options.count);
  const after =
    options.after === undefined ? new Date() : parseOption.instant("--after", options.after);
  const { schedule, fireLimit } = await scheduleOf(kit, command, target, options);
  // maxFires: only the ticks the remaining fires allow (a poll that returns nothing or an
  // overlap skip leaves a fire unspent, so these are the next ticks that may fire).
  const shown = fireLimit === undefined ? count : Math.min(count, fireLimit.remaining);
  const entries = shown === 0 ? [] : preview(schedule, after, shown);
  // every, jitter, startAt, endAt when set (the same keys a trigger's stored config has).
  const config = scheduleConfig(schedule);
  if (options.json) {
    kit.out.json({ ...config, ...(fireLimit === undefined ? {} : { fireLimit }), entries });
    return;
  }
  const out = kit.out;
  const shape = schedule.kind === "shaped" ? shapeOf(config) : "";
  const limit =
    fireLimit === undefined ? "" : `, maxFires ${fireLimit.maxFires}: ${fireLimitText(fireLimit)}`;
  out.line(`${out.color.bold(schedule.expression)} in ${schedule.timezone}${shape}${limit}`);
  if (entries.length === 0) {
    out.line("No tick will fire: the trigger has made all its maxFires scheduled fires.");
    return;
  }
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

/** What is previewed: a schedule, and a trigger's `maxFires` limit when it has one. */
interface Previewed {
  readonly schedule: TickSchedule;
  readonly fireLimit: FireLimit | undefined;
}

/** A cron expression has spaces (or is an @shorthand, or "every 15m"); a trigger name never does. */
async function scheduleOf(
  kit: CommandKit,
  command: Command,
  target: string,
  options: { tz?: string; module?: string },
): Promise<Previewed> {
  if (/\s/.test(target.trim()) || target.startsWith("@")) {
    const schedule = parseTickSchedule(
      target,
      options.tz === undefined ? {} : { timezone: options.tz },
    );
    return { schedule, fireLimit: undefined };
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
    const schedule =
      options.tz === undefined
        ? definition.schedule
        : (scheduleFromConfig(target, {
            ...scheduleConfig(definition.schedule),
            timezone: options.tz,
          }) as TickSchedule);
    // The fires already made are in the database, when there is one.
    const fired = definition.maxFires === undefined ? 0 : await firesUsed(kit, command, target);
    return { schedule, fireLimit: fireLimitOf({ maxFires: definition.maxFires }, fired) };
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
    return { schedule, fireLimit: fireLimitOf(stored.config, stored.firesUsed) };
  } finally {
    await dbs.close();
  }
}

/** A trigger's scheduled fires made against `maxFires`, from its database if there is one. */
async function firesUsed(kit: CommandKit, command: Command, name: string): Promise<number> {
  const dbs = await kit.open(command, { mode: "read", triggers: "optional", provenance: "skip" });
  try {
    return (await dbs.triggers?.getActivation(name))?.firesUsed ?? 0;
  } finally {
    await dbs.close();
  }
}
