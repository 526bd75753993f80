import type { IntervalSchedule } from "./IntervalSchedule.js";
import type { ShapedSchedule } from "./ShapedSchedule.js";
import { scheduleOf } from "./scheduleOf.js";
import type { TickSchedule } from "./TickSchedule.js";

/** The stored configuration keys that say when a trigger ticks. */
const SCHEDULE_KEYS = ["schedule", "timezone", "every", "jitter", "startAt", "endAt"] as const;

/**
 * How a schedule is stored in a trigger's configuration (JSON): `schedule` (the cron
 * expression, or e.g. "every 15m" for display) and `timezone` always; `every` and
 * `jitter` (ms) and `startAt`/`endAt` (ISO 8601) only when set, so the configuration of
 * a plain cron trigger is what it always was.
 *
 * @example
 * ```ts
 * scheduleConfig(scheduleOf({ every: "15m", timezone: "UTC" }, "t"));
 * // { schedule: "every 15m", timezone: "UTC", every: 900000 }
 * ```
 */
export function scheduleConfig(schedule: TickSchedule | undefined): Record<string, unknown> {
  if (schedule === undefined) return { schedule: null, timezone: null };
  const config: Record<string, unknown> = {
    schedule: schedule.expression,
    timezone: schedule.timezone,
  };
  const shaped = schedule.kind === "shaped" ? (schedule as ShapedSchedule) : undefined;
  const base = shaped?.base ?? schedule;
  if (base.kind === "every") config.every = (base as IntervalSchedule).every;
  if (shaped !== undefined && shaped.jitter > 0) config.jitter = shaped.jitter;
  if (shaped?.startAt !== undefined) config.startAt = new Date(shaped.startAt).toISOString();
  if (shaped?.endAt !== undefined) config.endAt = new Date(shaped.endAt).toISOString();
  return config;
}

/**
 * The schedule a stored configuration describes (see {@link scheduleConfig}), or
 * `undefined` for a push trigger's. Throws `InvalidSchedule` for a configuration that
 * does not parse.
 *
 * @example
 * ```ts
 * scheduleFromConfig("t", { schedule: "every 15m", timezone: "UTC", every: 900000 })?.nextMs(0); // 900_000
 * ```
 */
export function scheduleFromConfig(
  name: string,
  config: Readonly<Record<string, unknown>>,
): TickSchedule | undefined {
  const text = (key: string) =>
    typeof config[key] === "string" ? (config[key] as string) : undefined;
  const ms = (key: string) =>
    typeof config[key] === "number" ? (config[key] as number) : undefined;
  const every = ms("every");
  const schedule = text("schedule");
  if (schedule === undefined && every === undefined) return undefined;
  return scheduleOf(
    {
      ...(every === undefined ? { schedule } : { every }),
      timezone: text("timezone"),
      jitter: ms("jitter"),
      startAt: text("startAt"),
      endAt: text("endAt"),
    },
    name,
  );
}

/**
 * Whether two stored configurations tick alike (an edit of any schedule key makes the
 * trigger move on from now with the new schedule).
 *
 * @example
 * ```ts
 * sameSchedule({ schedule: "0 * * * *" }, { schedule: "0 * * * *", every: undefined }); // true
 * ```
 */
export function sameSchedule(
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): boolean {
  return SCHEDULE_KEYS.every((key) => (a[key] ?? null) === (b[key] ?? null));
}
