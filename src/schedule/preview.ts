import { toEpochMs } from "./InstantOutOfRange.js";
import { formatDurationMs } from "./parseDuration.js";
import type { Schedule } from "./Schedule.js";
import type { ShapedSchedule } from "./ShapedSchedule.js";
import type { TickSchedule } from "./TickSchedule.js";
import { formatOffset, type OffsetTransition, TimeZone } from "./TimeZone.js";

/** Skipped wall times listed by name in a note; the rest are counted. */
const LISTED = 4;
/** Matches inside one gap looked at; a one-hour gap holds at most 3600. */
const GAP_SCAN_LIMIT = 4000;
const HOUR = 3_600_000;

/**
 * One upcoming tick as a person reads it.
 *
 * @example
 * ```ts
 * const entry: PreviewEntry = { at: new Date("2026-03-08T07:00:00Z"), local: "2026-03-08T03:00:00-04:00" };
 * ```
 */
export interface PreviewEntry {
  /** The instant the tick fires. */
  readonly at: Date;
  /** ISO 8601 local time in the schedule's zone, with its offset, e.g. "2026-03-08T03:00:00-04:00". */
  readonly local: string;
  /** Present only when a DST change skipped, moved, merged or repeated this tick's wall time. */
  readonly note?: string;
}

/**
 * The next `n` ticks after `after` (fewer past an `endAt`), with local times and a note
 * wherever a DST change or jitter shaped a tick, e.g. "02:30 does not exist on 2026-03-08
 * (clocks go forward 1h at 02:00); fires at 03:00" or "jitter +1m23s after
 * 2026-01-05T10:00:00+01:00".
 *
 * @example
 * ```ts
 * const s = parseSchedule("30 2 * * *", { timezone: "America/New_York" });
 * preview(s, Date.UTC(2026, 2, 7, 12), 1)[0]?.note;
 * // "02:30 does not exist on 2026-03-08 (clocks go forward 1h at 02:00); fires at 03:00"
 * ```
 */
export function preview(schedule: TickSchedule, after: Date | number, n: number): PreviewEntry[] {
  if (schedule.kind === "shaped") return previewShaped(schedule as ShapedSchedule, after, n);
  if (schedule.kind !== "cron") {
    // An interval follows elapsed time: DST does not shape its ticks.
    const zone = TimeZone.of(schedule.timezone);
    return schedule.nextN(after, n).map((at) => ({ at, local: zone.formatLocal(at.getTime()) }));
  }
  const cron = schedule as Schedule;
  const entries: PreviewEntry[] = [];
  let previous = toEpochMs(after, "after");
  for (const at of cron.nextN(previous, n)) {
    const ms = at.getTime();
    const local = cron.zone.formatLocal(ms);
    const note = dstNote(cron, previous, ms);
    entries.push(note === undefined ? { at, local } : { at, local, note });
    previous = ms;
  }
  return entries;
}

/**
 * A shaped schedule's ticks: the base schedule's notes (DST) for the un-jittered tick,
 * and the jitter offset; nothing past `endAt`.
 */
function previewShaped(schedule: ShapedSchedule, after: Date | number, n: number): PreviewEntry[] {
  const entries: PreviewEntry[] = [];
  const zone = TimeZone.of(schedule.timezone);
  const base = schedule.base;
  let cursor = toEpochMs(after, "after");
  let previousNominal = cursor;
  while (entries.length < n) {
    const tick = schedule.tickAfter(cursor);
    if (tick === undefined) break;
    const notes: string[] = [];
    const dst =
      base.kind === "cron" ? dstNote(base as Schedule, previousNominal, tick.nominal) : undefined;
    if (dst !== undefined) notes.push(dst);
    if (schedule.jitter > 0) {
      const offset = tick.at - tick.nominal;
      notes.push(`jitter +${formatDurationMs(offset)} after ${zone.formatLocal(tick.nominal)}`);
    }
    const at = new Date(tick.at);
    const local = zone.formatLocal(tick.at);
    entries.push(notes.length === 0 ? { at, local } : { at, local, note: notes.join("; ") });
    cursor = tick.at;
    previousNominal = tick.nominal;
  }
  return entries;
}

/** Why DST shaped the tick at `at` (the previous tick, or the preview's start, was `previous`). */
function dstNote(schedule: Schedule, previous: number, at: number): string | undefined {
  const gap = gapBehind(schedule, previous, at);
  if (gap !== undefined) {
    const { transition, skipped } = gap;
    const names = listTimes(skipped.walls, skipped.count, schedule.hasSeconds);
    const verb = skipped.count === 1 ? "does not exist" : "do not exist";
    const cause = `on ${dateOf(transition.at + transition.offsetBefore)} (${describe(transition, schedule.hasSeconds)})`;
    if (schedule.everyHour) return `${names} ${verb} ${cause}; skipped, ticks follow elapsed time`;
    const when = timeOf(at + transition.offsetAfter, schedule.hasSeconds);
    const fires = skipped.count === 1 ? `fires at ${when}` : `they fire once, at ${when}`;
    return `${names} ${verb} ${cause}; ${fires}`;
  }
  const zone = schedule.zone;
  const offset = zone.offsetAt(at);
  const wall = at + offset;
  const instants = zone.instantsOf(wall);
  if (instants.length < 2)
    return schedule.everyHour ? shiftNote(schedule, previous, at) : undefined;
  const fallBack = zone.lastTransitionAtOrBefore(instants[1] as number);
  if (fallBack === undefined) return undefined;
  const head = `${timeOf(wall, schedule.hasSeconds)} occurs twice on ${dateOf(wall)} (${describe(fallBack, schedule.hasSeconds)})`;
  if (!schedule.everyHour) return `${head}; fires once, at the first (${formatOffset(offset)})`;
  const which = at === instants[0] ? "first" : "second";
  return `${head}; this is the ${which} (${formatOffset(offset)})`;
}

/**
 * An interval tick in the hour after a change that skipped or repeated none of its wall
 * times: said when the change moved it off even real-time spacing (a 30-minute shift, as
 * in Australia/Lord_Howe, under an hourly schedule).
 */
function shiftNote(schedule: Schedule, previous: number, at: number): string | undefined {
  const transition = schedule.zone.lastTransitionAtOrBefore(at);
  if (transition === undefined || transition.at <= previous || at - transition.at >= HOUR) {
    return undefined;
  }
  const shift = transition.offsetAfter - transition.offsetBefore;
  const wall = transition.at + transition.offsetBefore;
  const spacing = shift > 0 ? "shorter" : "longer";
  return `clocks go ${shift > 0 ? "forward" : "back"} ${duration(Math.abs(shift))} at ${timeOf(wall, schedule.hasSeconds)} on ${dateOf(wall)}; this tick keeps its wall time, so the interval before it is ${duration(Math.abs(shift))} ${spacing} in real time`;
}

/**
 * The spring-forward gap that skipped matching wall times just before the tick at `at`:
 * for a fixed-time schedule the gap ending at `at` itself (its skipped times fire there);
 * for an interval schedule the last gap since the previous tick that skipped any. Other
 * transitions since a sparse schedule's previous tick (months earlier) play no part.
 */
function gapBehind(
  schedule: Schedule,
  previous: number,
  at: number,
): { transition: OffsetTransition; skipped: { walls: number[]; count: number } } | undefined {
  const zone = schedule.zone;
  if (!schedule.everyHour) {
    const transition = zone.lastTransitionAtOrBefore(at);
    if (transition === undefined || transition.at !== at) return undefined;
    if (transition.offsetAfter <= transition.offsetBefore) return undefined;
    const skipped = skippedWallTimes(schedule, transition);
    return skipped.count === 0 ? undefined : { transition, skipped };
  }
  let found: ReturnType<typeof gapBehind>;
  for (let t = zone.transitionBetween(previous, at); t !== undefined; ) {
    if (t.offsetAfter > t.offsetBefore) {
      const skipped = skippedWallTimes(schedule, t);
      if (skipped.count > 0) found = { transition: t, skipped };
    }
    t = zone.transitionBetween(t.at, at);
  }
  return found;
}

/** Matching wall times inside a spring-forward gap: the first few, and how many. */
function skippedWallTimes(
  schedule: Schedule,
  transition: OffsetTransition,
): { walls: number[]; count: number } {
  const end = transition.at + transition.offsetAfter;
  const walls: number[] = [];
  let count = 0;
  let wall = schedule.pattern.nextAfter(transition.at + transition.offsetBefore - 1);
  while (wall < end && count < GAP_SCAN_LIMIT) {
    if (walls.length < LISTED) walls.push(wall);
    count++;
    wall = schedule.pattern.nextAfter(wall);
  }
  return { walls, count };
}

function listTimes(walls: readonly number[], count: number, seconds: boolean): string {
  const names = walls.map((w) => timeOf(w, seconds));
  if (count > names.length) return `${names.join(", ")} and ${count - names.length} more`;
  if (names.length === 1) return names[0] as string;
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** "clocks go forward 1h at 02:00" / "clocks go back 1h at 02:00" (local time before the change). */
function describe(transition: OffsetTransition, seconds: boolean): string {
  const shift = transition.offsetAfter - transition.offsetBefore;
  const direction = shift > 0 ? "forward" : "back";
  const when = timeOf(transition.at + transition.offsetBefore, seconds);
  return `clocks go ${direction} ${duration(Math.abs(shift))} at ${when}`;
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}` || "0m";
}

function dateOf(wall: number): string {
  return new Date(wall).toISOString().slice(0, 10);
}

function timeOf(wall: number, seconds: boolean): string {
  const iso = new Date(wall).toISOString();
  const withSeconds = seconds || iso.slice(17, 19) !== "00";
  return iso.slice(11, withSeconds ? 19 : 16);
}
