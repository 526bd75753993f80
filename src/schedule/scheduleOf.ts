import { toEpochMs } from "./InstantOutOfRange.js";
import { IntervalSchedule } from "./IntervalSchedule.js";
import { InvalidSchedule } from "./InvalidSchedule.js";
import { parseDuration } from "./parseDuration.js";
import { parseSchedule, systemTimezone } from "./Schedule.js";
import { ShapedSchedule } from "./ShapedSchedule.js";
import type { TickSchedule } from "./TickSchedule.js";
import { TimeZone } from "./TimeZone.js";

/** Ticks of a cron base looked at to find its shortest spacing (for the jitter check). */
const SPACING_SAMPLE = 100;
/** Where that look starts when there is no `startAt`: a fixed instant, so the check is stable. */
const SAMPLE_FROM = Date.UTC(2001, 0, 1);

/**
 * How a trigger declares when it ticks: a cron `schedule` or an `every` interval, and
 * optionally `startAt`, `endAt` and `jitter`.
 *
 * @example
 * ```ts
 * const spec: ScheduleSpec = { every: "15m", jitter: "30s", startAt: "2026-01-01T00:00:00Z" };
 * ```
 */
export interface ScheduleSpec {
  /** Cron (5 fields, or 6 with seconds first). Either this or `every`. */
  readonly schedule?: string | undefined;
  /** An interval such as "15m", "1h30m", "90s" (or ms), anchored at `startAt`, else the Unix epoch. */
  readonly every?: string | number | undefined;
  /** IANA zone of the cron fields (and of how `every` ticks are shown). */
  readonly timezone?: string | undefined;
  /** Fire each tick up to this much later ("2m", or ms), by a fixed per-tick offset. */
  readonly jitter?: string | number | undefined;
  /** No tick before this instant (a Date, an ISO 8601 string or epoch ms). */
  readonly startAt?: Date | string | number | undefined;
  /** No tick at or after this instant. */
  readonly endAt?: Date | string | number | undefined;
}

/**
 * The schedule a spec describes; throws `InvalidSchedule` naming the field ("schedule",
 * "every", "jitter", "startAt", "endAt" or a cron field), the value and what is accepted,
 * or `InvalidTimezone`. `seed` (the trigger's name) seeds the jitter offsets.
 *
 * @example
 * ```ts
 * scheduleOf({ every: "15m" }, "sync").nextMs(0); // 900_000
 * scheduleOf({ schedule: "0 * * * *", jitter: "5m", timezone: "UTC" }, "report");
 * ```
 */
export function scheduleOf(spec: ScheduleSpec, seed: string): TickSchedule {
  const startAt = instantOf(spec.startAt, "startAt");
  const endAt = instantOf(spec.endAt, "endAt");
  if (startAt !== undefined && endAt !== undefined && endAt <= startAt) {
    throw new InvalidSchedule({
      expression: String(spec.endAt),
      field: "endAt",
      reason: `must be after startAt (${new Date(startAt).toISOString()})`,
    });
  }
  const base = baseOf(spec, startAt);
  const jitter = spec.jitter === undefined ? 0 : parseDuration(spec.jitter, "jitter");
  if (jitter > 0) checkJitter(base, jitter, spec.jitter, startAt);
  if (jitter === 0 && startAt === undefined && endAt === undefined) return base;
  return new ShapedSchedule(base, { startAt, endAt, jitter, seed });
}

/**
 * A cron expression, or "every 15m" (an interval anchored at the Unix epoch): what
 * `tickflow preview` takes on its command line.
 *
 * @example
 * ```ts
 * parseTickSchedule("every 15m", { timezone: "UTC" }).nextMs(0); // 900_000
 * ```
 */
export function parseTickSchedule(text: string, options: { timezone?: string } = {}): TickSchedule {
  const every = /^every\s+(.+)$/i.exec(text.trim());
  if (every === null) return parseSchedule(text, options);
  return scheduleOf({ every: every[1], timezone: options.timezone }, "");
}

function baseOf(spec: ScheduleSpec, startAt: number | undefined): TickSchedule {
  if (spec.schedule !== undefined && spec.every !== undefined) {
    throw new InvalidSchedule({
      expression: String(spec.every),
      field: "every",
      reason: `give either a cron schedule ("${spec.schedule}") or every, not both`,
    });
  }
  const options = spec.timezone === undefined ? {} : { timezone: spec.timezone };
  if (spec.every === undefined) {
    if (typeof spec.schedule !== "string") {
      throw new InvalidSchedule({
        expression: String(spec.schedule),
        field: "schedule",
        reason: "must be a cron expression (a string) or be left out for every",
      });
    }
    return parseSchedule(spec.schedule, options);
  }
  const timezone = spec.timezone ?? systemTimezone();
  TimeZone.of(timezone);
  return new IntervalSchedule(parseDuration(spec.every, "every"), startAt ?? 0, timezone);
}

/** Jitter must be shorter than the spacing of ticks, or jittered ticks would swap order. */
function checkJitter(
  base: TickSchedule,
  jitter: number,
  written: unknown,
  startAt: number | undefined,
): void {
  let spacing: number;
  let what: string;
  if (base.kind === "every") {
    spacing = (base as IntervalSchedule).every;
    what = `the interval (${base.expression})`;
  } else {
    spacing = Number.POSITIVE_INFINITY;
    let previous = base.nextMs(startAt ?? SAMPLE_FROM);
    for (let i = 0; i < SPACING_SAMPLE; i++) {
      const next = base.nextMs(previous);
      spacing = Math.min(spacing, next - previous);
      previous = next;
    }
    what = `the shortest spacing of "${base.expression}" (${spacing} ms)`;
  }
  if (jitter >= spacing) {
    throw new InvalidSchedule({
      expression: String(written),
      field: "jitter",
      reason: `must be shorter than ${what}, so that jittered ticks keep their order`,
    });
  }
}

function instantOf(value: Date | string | number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms =
    value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : value;
  try {
    if (typeof ms !== "number") throw new TypeError(field);
    return toEpochMs(ms, field);
  } catch {
    throw new InvalidSchedule({
      expression: String(value),
      field,
      reason: "is not an instant: give a Date, an ISO 8601 string or epoch ms",
    });
  }
}
