import { CronExpressionParser, type CronFieldCollection } from "cron-parser";
import { InstantOutOfRange, MAX_INSTANT_MS, toEpochMs } from "./InstantOutOfRange.js";
import { InvalidSchedule } from "./InvalidSchedule.js";
import { mergeOverlappingLists } from "./mergeOverlappingLists.js";
import type { TickSchedule } from "./TickSchedule.js";
import { TimeZone } from "./TimeZone.js";
import { WallClockPattern } from "./WallClockPattern.js";

export { InstantOutOfRange, toEpochMs } from "./InstantOutOfRange.js";
export { InvalidSchedule } from "./InvalidSchedule.js";
export { InvalidTimezone } from "./InvalidTimezone.js";

/** Field names in six-field order (seconds first), as `InvalidSchedule.field` reports them. */
const FIELD_NAMES = ["second", "minute", "hour", "day of month", "month", "day of week"] as const;

/** The classic crontab shorthands; each stands for a five-field expression. */
const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Each step crosses an offset change or a repeated hour; far more than any real gap needs. */
const STEP_LIMIT = 10_000;

/**
 * Options of {@link parseSchedule}.
 *
 * @example
 * ```ts
 * const options: ScheduleOptions = { timezone: "Europe/Berlin" };
 * ```
 */
export interface ScheduleOptions {
  /** IANA zone the expression's wall-clock fields are read in; default: the process's zone. */
  readonly timezone?: string;
}

/**
 * A parsed cron schedule in a time zone: pure math, the instant is always an argument.
 *
 * Fields are matched against local wall-clock time in `timezone`. Where a daylight-saving
 * change makes wall time skip or repeat, the rules are:
 *
 * - **Interval schedules** (`everyHour`: the hour field matches all 24 hours, e.g.
 *   `"*\/20 * * * *"`, `"0 * * * *"`) fire at every instant whose wall time matches. A wall
 *   time skipped by a spring-forward does not fire (that hour did not happen); a wall time
 *   repeated by a fall-back fires in both occurrences (that hour happened twice). So the
 *   real-time spacing across a change stays even exactly when the shift is a whole number
 *   of the schedule's periods — true of the 1-hour shifts of almost every zone for any
 *   schedule whose minutes and seconds repeat each hour. Under a 30-minute shift
 *   (Australia/Lord_Howe) an hourly `"0 * * * *"` keeps its wall times, so one interval
 *   at each change is 90 minutes in real time (and `"30 * * * *"` one of 30 minutes).
 * - **Fixed-time schedules** (any other hour field, e.g. `"30 2 * * *"`) fire each matching
 *   wall time once. A skipped wall time is late, not lost: it fires at the first instant
 *   after the gap (03:00 local for 02:30 on 2026-03-08 in New York), and all matches inside
 *   one gap collapse into that single fire, together with a match at that very instant. A
 *   repeated wall time fires only at its first occurrence (the earlier, daylight-time one).
 *
 * Day of month and day of week: when both are restricted (neither is exactly `*`), a day
 * matches if **either** matches (`"0 0 1 * MON"`: the 1st and every Monday), as in croner
 * and cron-parser; when one is `*`, the other alone decides. Vixie cron differs for a field
 * that merely starts with `*` (`"0 0 *\/3 * MON"`): it ANDs the two, tickflow ORs them.
 * Lists with overlapping values (`"*\/15,30"`, `"0,7"` for Sunday) mean their union.
 *
 * cron-parser alone shifts a skipped 02:30 by the gap to 03:30, and from an instant between
 * 03:00 and 03:30 it skips that day altogether; `Schedule` does not depend on that.
 *
 * @example
 * ```ts
 * const s = parseSchedule("0 9 * * MON-FRI", { timezone: "Europe/Berlin" });
 * s.next(new Date("2026-01-02T09:00:00+01:00")); // Monday 2026-01-05T08:00:00Z
 * ```
 */
export class Schedule implements TickSchedule {
  readonly kind = "cron" as const;
  /**
   * Use {@link parseSchedule}; the constructor trusts its arguments.
   *
   * @internal
   * @example
   * ```ts
   * const s = parseSchedule("0 * * * *", { timezone: "UTC" });
   * ```
   */
  constructor(
    /** The expression as written. */
    readonly expression: string,
    /** The IANA zone its fields are read in. */
    readonly timezone: string,
    /** True for six-field expressions (seconds first). */
    readonly hasSeconds: boolean,
    /** The wall-clock calendar side (used by `preview`). */
    readonly pattern: WallClockPattern,
    /** The zone's offsets and transitions (used by `preview`). */
    readonly zone: TimeZone,
  ) {}

  /**
   * True when the hour field matches every hour: the schedule is an interval and keeps
   * real elapsed spacing across DST changes (see the class notes).
   *
   * @example
   * ```ts
   * parseSchedule("0 * * * *").everyHour; // true
   * parseSchedule("30 2 * * *").everyHour; // false
   * ```
   */
  get everyHour(): boolean {
    return this.pattern.everyHour;
  }

  /**
   * The first scheduled instant strictly after `after`. Chain it from the previous
   * *scheduled* instant (not from "now") and ticks never drift.
   *
   * @example
   * ```ts
   * parseSchedule("0 * * * *", { timezone: "UTC" }).next(Date.UTC(2026, 0, 1, 10, 0));
   * // 2026-01-01T11:00:00.000Z
   * ```
   */
  next(after: Date | number): Date {
    return new Date(this.nextMs(after));
  }

  /**
   * {@link Schedule.next} as epoch ms, without allocating a `Date`.
   *
   * @example
   * ```ts
   * parseSchedule("0 * * * *", { timezone: "UTC" }).nextMs(0); // 3_600_000
   * ```
   */
  nextMs(after: Date | number): number {
    const from = toEpochMs(after, "after");
    try {
      const at = this.#nextFrom(from);
      if (at <= MAX_INSTANT_MS) return at;
    } catch (error) {
      // Past the last instant a Date holds, Intl and Date arithmetic throw RangeError.
      if (!(error instanceof RangeError)) throw error;
    }
    throw new InstantOutOfRange({ what: "next tick", value: new Date(from).toISOString() });
  }

  #nextFrom(after: number): number {
    // Find the first tick > cursor, searching one run of constant `offset` at a time;
    // transitions at or before `searchedTo` are already accounted for.
    let cursor = Math.floor(after);
    let offset = this.zone.offsetAt(cursor);
    let searchedTo = cursor;
    for (let step = 0; step < STEP_LIMIT; step++) {
      const wall = this.pattern.nextAfter(cursor + offset);
      const at = wall - offset;
      const transition = this.zone.transitionBetween(searchedTo, at);
      if (transition === undefined) {
        if (!this.everyHour) {
          // A fixed time already fired at its first occurrence: skip the repeated stretch.
          const repeatEnd = this.#repeatedStretchEnd(at);
          if (repeatEnd !== undefined) {
            cursor = repeatEnd - 1;
            offset = this.zone.offsetAt(cursor);
            searchedTo = cursor;
            continue;
          }
        }
        return at;
      }
      // The offset changes before `at`. A fixed-time match inside a spring-forward gap
      // fires at the first instant after the gap.
      const gap = transition.offsetAfter > transition.offsetBefore;
      if (gap && !this.everyHour && wall < transition.at + transition.offsetAfter) {
        return transition.at;
      }
      // Go on from the transition itself (it may be a tick) with the new offset.
      cursor = transition.at - 1;
      offset = transition.offsetAfter;
      searchedTo = transition.at;
    }
    throw new Error(`Schedule "${this.expression}": no tick found after ${String(after)}`);
  }

  /**
   * The next `n` scheduled instants after `after`, each chained from the previous one.
   *
   * @example
   * ```ts
   * parseSchedule("0 0 * * *", { timezone: "UTC" }).nextN(0, 2);
   * // [1970-01-02T00:00:00Z, 1970-01-03T00:00:00Z]
   * ```
   */
  nextN(after: Date | number, n: number): Date[] {
    checkCount(n, "n");
    const out: Date[] = [];
    let cursor = toEpochMs(after, "after");
    for (let i = 0; i < n; i++) {
      cursor = this.nextMs(cursor);
      out.push(new Date(cursor));
    }
    return out;
  }

  /**
   * The expression and zone, e.g. `"0 9 * * MON-FRI" in Europe/Berlin`.
   *
   * @example
   * ```ts
   * String(parseSchedule("0 * * * *", { timezone: "UTC" })); // '"0 * * * *" in UTC'
   * ```
   */
  toString(): string {
    return `"${this.expression}" in ${this.timezone}`;
  }

  /** End of the repeated stretch after a fall-back when `at` lies in it (its wall time occurred before). */
  #repeatedStretchEnd(at: number): number | undefined {
    const transition = this.zone.lastTransitionAtOrBefore(at);
    if (transition === undefined || transition.offsetAfter >= transition.offsetBefore) {
      return undefined;
    }
    const end = transition.at + (transition.offsetBefore - transition.offsetAfter);
    return at < end ? end : undefined;
  }
}

/**
 * Parse a cron expression: 5 fields (`minute hour day-of-month month day-of-week`), 6 with
 * seconds first, names (`MON-FRI`, `JAN`), `L`, `n#k`, and `@daily`-style shorthands.
 * Throws {@link InvalidSchedule} (naming the bad field) or `InvalidTimezone`. The zone
 * defaults to the process's own. DST rules: see {@link Schedule}.
 *
 * @example
 * ```ts
 * const weekdays = parseSchedule("0 9 * * MON-FRI", { timezone: "America/New_York" });
 * const everyTenSeconds = parseSchedule("*\/10 * * * * *", { timezone: "UTC" });
 * ```
 */
export function parseSchedule(expression: string, options: ScheduleOptions = {}): Schedule {
  const { pattern, hasSeconds } = parsedPattern(expression);
  const timezone = options.timezone ?? systemTimezone();
  return new Schedule(expression, timezone, hasSeconds, pattern, TimeZone.of(timezone));
}

interface ParsedPattern {
  readonly pattern: WallClockPattern;
  readonly hasSeconds: boolean;
}

/**
 * Parsed patterns by expression. A pattern is immutable, so triggers that share an
 * expression share it: 10,000 triggers on one cron string held 10,000 copies (~3 KB each
 * of sets and arrays) and parsed it 10,000 times. Bounded, oldest out first, so
 * expressions made at run time cannot grow it without limit.
 */
const patterns = new Map<string, ParsedPattern>();
const PATTERNS_KEPT = 1024;

function parsedPattern(expression: string): ParsedPattern {
  const known = patterns.get(expression);
  if (known !== undefined) return known;
  const { fields, hasSeconds } = splitFields(expression);
  const pattern = new WallClockPattern(parseFields(expression, fields));
  try {
    pattern.nextAfter(0);
  } catch {
    throw new InvalidSchedule({
      expression,
      field: "day of month",
      reason: `day "${fields[3]}" never occurs in month "${fields[4]}"`,
    });
  }
  const parsed = { pattern, hasSeconds };
  if (patterns.size >= PATTERNS_KEPT) patterns.delete(patterns.keys().next().value as string);
  patterns.set(expression, parsed);
  return parsed;
}

/**
 * The scheduled instants in `(afterExclusive, untilInclusive]`, earliest first, at most
 * `limit` of them: the ticks missed during downtime, for catch-up.
 *
 * @example
 * ```ts
 * const hourly = parseSchedule("0 * * * *", { timezone: "UTC" });
 * ticksBetween(hourly, Date.UTC(2026, 0, 1, 0), Date.UTC(2026, 0, 1, 3), 10).length; // 3
 * ```
 */
export function ticksBetween(
  schedule: TickSchedule,
  afterExclusive: Date | number,
  untilInclusive: Date | number,
  limit: number,
): Date[] {
  checkCount(limit, "limit");
  const until = toEpochMs(untilInclusive, "untilInclusive");
  const out: Date[] = [];
  let cursor = toEpochMs(afterExclusive, "afterExclusive");
  while (out.length < limit) {
    cursor = schedule.nextMs(cursor);
    if (cursor > until) break;
    out.push(new Date(cursor));
  }
  return out;
}

/**
 * The last scheduled instant in `(afterExclusive, untilInclusive]`, if any: the tick the
 * `latest` catch-up policy fires. Looks back in doubling windows, so a long downtime costs
 * about as much as the ticks in the last window, not all missed ticks.
 *
 * @example
 * ```ts
 * const hourly = parseSchedule("0 * * * *", { timezone: "UTC" });
 * latestTickBetween(hourly, 0, Date.UTC(2026, 0, 1, 3, 30)); // 2026-01-01T03:00:00.000Z
 * ```
 */
export function latestTickBetween(
  schedule: TickSchedule,
  afterExclusive: Date | number,
  untilInclusive: Date | number,
): Date | undefined {
  const after = toEpochMs(afterExclusive, "afterExclusive");
  const until = toEpochMs(untilInclusive, "untilInclusive");
  for (let span = schedule.hasSeconds ? 1000 : 60_000; ; span *= 2) {
    const from = Math.max(after, until - span);
    let latest: number | undefined;
    for (let at = schedule.nextMs(from); at <= until; at = schedule.nextMs(at)) latest = at;
    if (latest !== undefined) return new Date(latest);
    if (from === after) return undefined;
  }
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`"${what}" must be a non-negative integer, got ${n}`);
  }
}

let processZone: { readonly tz: string | undefined; readonly zone: string } | undefined;

/**
 * The process's zone, asked of Intl once per value of TZ (the ask costs ~90 µs).
 *
 * @example
 * ```ts
 * systemTimezone(); // e.g. "Europe/Berlin"
 * ```
 */
export function systemTimezone(): string {
  if (processZone === undefined || processZone.tz !== process.env.TZ) {
    processZone = {
      tz: process.env.TZ,
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC",
    };
  }
  return processZone.zone;
}

/** The six fields (seconds first) of an expression, or `InvalidSchedule` for a bad count. */
function splitFields(expression: string): { fields: string[]; hasSeconds: boolean } {
  let text = expression.trim();
  if (text.startsWith("@")) {
    const expanded = MACROS[text.toLowerCase()];
    if (expanded === undefined) {
      throw new InvalidSchedule({
        expression,
        field: "expression",
        reason: `unknown shorthand "${text}"; known: ${Object.keys(MACROS).join(", ")}`,
      });
    }
    text = expanded;
  }
  const fields = text === "" ? [] : text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new InvalidSchedule({
      expression,
      field: "field count",
      reason: `expected 5 fields, or 6 with seconds first, but found ${fields.length}`,
    });
  }
  const hasSeconds = fields.length === 6;
  return { fields: hasSeconds ? fields : ["0", ...fields], hasSeconds };
}

/** cron-parser's fields for six tokens; a failure is pinned to the field that causes it. */
function parseFields(expression: string, fields: readonly string[]): CronFieldCollection {
  fields.forEach((token, i) => {
    // "H" is cron-parser's random (hashed) value: a durable schedule must not change
    // between restarts. THU is the only name containing an H.
    if (/H/.test(token.toUpperCase().replaceAll("THU", ""))) {
      throw new InvalidSchedule({
        expression,
        field: FIELD_NAMES[i] as string,
        reason: `"${token}" uses H (a random hashed value), which tickflow does not support because ticks must not move between restarts; write a fixed value`,
      });
    }
  });
  try {
    return parseMerged(fields);
  } catch (error) {
    // Find the field that fails on its own, every other field being "*".
    for (let i = 0; i < fields.length; i++) {
      const probe = ["0", "*", "*", "*", "*", "*"];
      probe[i] = fields[i] as string;
      try {
        parseMerged(probe);
      } catch (fieldError) {
        throw new InvalidSchedule({
          expression,
          field: FIELD_NAMES[i] as string,
          reason: describe(fields[i] as string, fieldError),
        });
      }
    }
    const message = error instanceof Error ? error.message : String(error);
    if (/day of month/i.test(message)) {
      throw new InvalidSchedule({
        expression,
        field: "day of month",
        reason: `day "${fields[3]}" never occurs in month "${fields[4]}"`,
      });
    }
    throw new InvalidSchedule({ expression, field: "expression", reason: message });
  }
}

/**
 * cron-parser's fields for six tokens. Lists with overlapping elements, which cron-parser
 * refuses as duplicates, are read as the union of their elements (as Vixie cron does).
 */
function parseMerged(fields: readonly string[]): CronFieldCollection {
  try {
    return CronExpressionParser.parse(fields.join(" "), { tz: "UTC", currentDate: 0 }).fields;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/duplicate values/i.test(message)) throw error;
    const merged = mergeOverlappingLists(fields);
    return CronExpressionParser.parse(merged.join(" "), { tz: "UTC", currentDate: 0 }).fields;
  }
}

/** cron-parser's complaint about one field, said plainly. */
function describe(token: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const range = /got value (\S+) expected range (\d+)-(\d+)/.exec(message);
  if (range !== null)
    return `"${token}" is out of range: ${range[1]} is not in ${range[2]}-${range[3]}`;
  return `"${token}" is not valid: ${message.replace(/^Constraint error, /, "")}`;
}
