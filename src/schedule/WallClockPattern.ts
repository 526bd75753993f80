import type { CronFieldCollection } from "cron-parser";

const SECOND = 1000;
/** Past this year no `Date` exists: the walk gives up with NaN (the caller's typed error). */
const LAST_YEAR = 275_760;
/** Days (plus skipped months) walked before a pattern is declared never to match. */
const WALK_LIMIT = 100_000;

/**
 * The calendar side of a cron expression: which local wall-clock seconds match, with no
 * notion of time zones. A wall time is "naive" epoch ms (local fields read as UTC).
 *
 * cron-parser parses and validates; this walks its parsed fields. Walking here is ~50×
 * faster than `CronExpression.next()` (which goes through Luxon), and a supervisor asks
 * for the next tick of thousands of triggers. Day matching follows cron-parser exactly
 * (the tests compare the two): day of month and day of week are OR-ed when both are
 * restricted, `L`, `nL` and `n#k` included.
 *
 * @example
 * ```ts
 * const p = new WallClockPattern(CronExpressionParser.parse("0 0 9 * * 1-5").fields);
 * new Date(p.nextAfter(Date.UTC(2026, 0, 2, 10))).toISOString(); // "2026-01-05T09:00:00.000Z" (Monday)
 * ```
 */
export class WallClockPattern {
  /** True when the hour field matches all 24 hours (e.g. `*`, `*\/1`, `0-23`). */
  readonly everyHour: boolean;
  readonly #seconds: readonly number[];
  readonly #minutes: readonly number[];
  readonly #hours: readonly number[];
  readonly #months: ReadonlySet<number>;
  readonly #daysOfMonth: ReadonlySet<number>;
  readonly #lastDayOfMonth: boolean;
  readonly #dayOfMonthWildcard: boolean;
  readonly #daysOfWeek: ReadonlySet<number>;
  readonly #lastWeekdays: ReadonlySet<number> | undefined;
  readonly #dayOfWeekWildcard: boolean;
  readonly #nthWeek: number;

  constructor(fields: CronFieldCollection) {
    const numbers = (values: readonly (number | string)[]) =>
      values.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
    this.#seconds = numbers(fields.second.values);
    this.#minutes = numbers(fields.minute.values);
    this.#hours = numbers(fields.hour.values);
    this.everyHour = new Set(this.#hours).size === 24;
    this.#months = new Set(numbers(fields.month.values));
    this.#daysOfMonth = new Set(numbers(fields.dayOfMonth.values));
    this.#lastDayOfMonth = fields.dayOfMonth.hasLastChar;
    this.#dayOfMonthWildcard = fields.dayOfMonth.isWildcard;
    this.#daysOfWeek = new Set(numbers(fields.dayOfWeek.values));
    // cron-parser reads "nL" (and, harmlessly, every other value) by its first digit.
    this.#lastWeekdays = fields.dayOfWeek.hasLastChar
      ? new Set(fields.dayOfWeek.values.map((v) => Number.parseInt(String(v).charAt(0), 10) % 7))
      : undefined;
    this.#dayOfWeekWildcard = fields.dayOfWeek.isWildcard;
    this.#nthWeek = fields.dayOfWeek.nthDay;
  }

  /**
   * The first matching wall time strictly after `wall` (naive ms). Throws an `Error` when
   * nothing matches in the next few centuries (such patterns are rejected at parse time);
   * NaN when the walk passes the last year a `Date` holds.
   *
   * @example
   * ```ts
   * pattern.nextAfter(Date.UTC(2026, 0, 1, 0, 0, 0)); // Date.UTC(2026, 0, 1, 0, 5) for "*\/5 * * * *"
   * ```
   */
  nextAfter(wall: number): number {
    const start = new Date(Math.floor(wall / SECOND) * SECOND + SECOND);
    let year = start.getUTCFullYear();
    let month = start.getUTCMonth() + 1;
    let day = start.getUTCDate();
    let secondOfDay =
      start.getUTCHours() * 3600 + start.getUTCMinutes() * 60 + start.getUTCSeconds();
    for (let step = 0; step < WALK_LIMIT; step++) {
      if (!(year <= LAST_YEAR)) return Number.NaN;
      if (!this.#months.has(month)) {
        day = 1;
        secondOfDay = 0;
        month++;
        if (month > 12) {
          month = 1;
          year++;
        }
        continue;
      }
      if (this.#dayMatches(year, month, day)) {
        const second = this.#firstSecondAtOrAfter(secondOfDay);
        if (second >= 0) return dayStart(year, month, day) + second * SECOND;
      }
      secondOfDay = 0;
      day++;
      if (day > daysInMonth(year, month)) {
        day = 1;
        month++;
        if (month > 12) {
          month = 1;
          year++;
        }
      }
    }
    throw new Error(`cron pattern has no match after ${new Date(wall).toISOString()}`);
  }

  #dayMatches(year: number, month: number, day: number): boolean {
    const last = daysInMonth(year, month);
    const weekday = new Date(dayStart(year, month, day)).getUTCDay();
    const matchedDom = this.#daysOfMonth.has(day) || (this.#lastDayOfMonth && day === last);
    const matchedDow =
      (this.#daysOfWeek.has(weekday) &&
        (this.#nthWeek <= 0 || Math.ceil(day / 7) === this.#nthWeek)) ||
      (this.#lastWeekdays !== undefined && day > last - 7 && this.#lastWeekdays.has(weekday));
    if (!this.#dayOfMonthWildcard && !this.#dayOfWeekWildcard) return matchedDom || matchedDow;
    if (this.#dayOfWeekWildcard) return matchedDom;
    return matchedDow;
  }

  /** First matching second of the day at or after `from` (0..86399), or -1. */
  #firstSecondAtOrAfter(from: number): number {
    const h0 = Math.floor(from / 3600);
    const m0 = Math.floor((from % 3600) / 60);
    const s0 = from % 60;
    const firstMinute = this.#minutes[0] ?? 0;
    const firstSecond = this.#seconds[0] ?? 0;
    for (const h of this.#hours) {
      if (h < h0) continue;
      if (h > h0) return h * 3600 + firstMinute * 60 + firstSecond;
      for (const m of this.#minutes) {
        if (m < m0) continue;
        if (m > m0) return h * 3600 + m * 60 + firstSecond;
        for (const s of this.#seconds) {
          if (s >= s0) return h * 3600 + m * 60 + s;
        }
      }
    }
    return -1;
  }
}

function dayStart(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
