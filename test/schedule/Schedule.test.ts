import { CronExpressionParser } from "cron-parser";
import { describe, expect, it } from "vitest";
import { InstantOutOfRange } from "../../src/schedule/InstantOutOfRange.js";
import { InvalidSchedule } from "../../src/schedule/InvalidSchedule.js";
import { InvalidTimezone } from "../../src/schedule/InvalidTimezone.js";
import {
  latestTickBetween,
  parseSchedule,
  InvalidSchedule as ReexportedInvalidSchedule,
  type Schedule,
  ticksBetween,
} from "../../src/schedule/Schedule.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NY = "America/New_York";
const BERLIN = "Europe/Berlin";

/** Ticks in [fromInclusive, toExclusive). */
function ticksIn(schedule: Schedule, fromInclusive: number, toExclusive: number): number[] {
  return ticksBetween(schedule, fromInclusive - 1, toExclusive - 1, 1_000_000).map((d) =>
    d.getTime(),
  );
}

function gaps(ticks: readonly number[]): number[] {
  return ticks.slice(1).map((t, i) => t - (ticks[i] as number));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** What `parseSchedule` threw, for assertions on typed errors. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("parseSchedule: the seed patterns over a simulated day (UTC)", () => {
  const day = Date.UTC(2026, 0, 5); // a Monday

  it('"0 * * * *" fires 24 times, on each hour', () => {
    const ticks = ticksIn(parseSchedule("0 * * * *", { timezone: "UTC" }), day, day + DAY);
    expect(ticks).toHaveLength(24);
    expect(ticks.every((t, i) => t === day + i * HOUR)).toBe(true);
  });

  it('"*/5 * * * *" fires 288 times, every 5 minutes', () => {
    const ticks = ticksIn(parseSchedule("*/5 * * * *", { timezone: "UTC" }), day, day + DAY);
    expect(ticks).toHaveLength(288);
    expect(ticks[0]).toBe(day);
    expect(new Set(gaps(ticks))).toEqual(new Set([5 * MINUTE]));
  });

  it('"0 0 * * *" fires once, at midnight', () => {
    const ticks = ticksIn(parseSchedule("0 0 * * *", { timezone: "UTC" }), day, day + DAY);
    expect(ticks).toEqual([day]);
  });

  it('"0 0 * * 0" fires once a week, Sunday midnight', () => {
    const ticks = ticksIn(parseSchedule("0 0 * * 0", { timezone: "UTC" }), day, day + 7 * DAY);
    expect(ticks.map(iso)).toEqual(["2026-01-11T00:00:00.000Z"]);
  });

  it('"0 9 * * MON-FRI" fires 5 times in a week, at 09:00 on weekdays', () => {
    const ticks = ticksIn(
      parseSchedule("0 9 * * MON-FRI", { timezone: "UTC" }),
      day,
      day + 7 * DAY,
    );
    expect(ticks).toHaveLength(5);
    expect(ticks.map((t) => new Date(t).getUTCDay())).toEqual([1, 2, 3, 4, 5]);
    expect(ticks.every((t) => new Date(t).getUTCHours() === 9)).toBe(true);
  });

  it('"*/10 * * * * *" (seconds first) fires 8640 times, every 10 seconds', () => {
    const schedule = parseSchedule("*/10 * * * * *", { timezone: "UTC" });
    expect(schedule.hasSeconds).toBe(true);
    const ticks = ticksIn(schedule, day, day + DAY);
    expect(ticks).toHaveLength(8640);
    expect(new Set(gaps(ticks))).toEqual(new Set([10 * SECOND]));
  });

  it("reads the fields in the schedule's zone", () => {
    const ticks = ticksIn(
      parseSchedule("0 9 * * MON-FRI", { timezone: BERLIN }),
      day,
      day + 7 * DAY,
    );
    expect(ticks.map(iso)[0]).toBe("2026-01-05T08:00:00.000Z"); // 09:00 CET
    expect(ticks).toHaveLength(5);
  });
});

describe("parseSchedule: syntax", () => {
  it("keeps expression, timezone and hasSeconds", () => {
    const schedule = parseSchedule("0 9 * * MON-FRI", { timezone: NY });
    expect(schedule.expression).toBe("0 9 * * MON-FRI");
    expect(schedule.timezone).toBe(NY);
    expect(schedule.hasSeconds).toBe(false);
    expect(String(schedule)).toBe(`"0 9 * * MON-FRI" in ${NY}`);
  });

  it("defaults to the process's time zone", () => {
    expect(parseSchedule("0 * * * *").timezone).toBe(
      Intl.DateTimeFormat().resolvedOptions().timeZone,
    );
  });

  it("accepts month and day names in any case, and extra whitespace", () => {
    const a = parseSchedule("  0   9 *  jan   mon-fri ", { timezone: "UTC" });
    const b = parseSchedule("0 9 * 1 1-5", { timezone: "UTC" });
    expect(a.nextN(0, 5)).toEqual(b.nextN(0, 5));
  });

  it("accepts the crontab shorthands", () => {
    const daily = parseSchedule("@daily", { timezone: "UTC" });
    expect(daily.nextN(0, 2).map((d) => d.getTime())).toEqual([DAY, 2 * DAY]);
    expect(daily.hasSeconds).toBe(false);
  });

  it("supports L and n#k", () => {
    const lastDay = parseSchedule("0 0 L * *", { timezone: "UTC" });
    expect(iso(lastDay.nextMs(Date.UTC(2028, 1, 1)))).toBe("2028-02-29T00:00:00.000Z");
    const thirdFriday = parseSchedule("0 0 * * 5#3", { timezone: "UTC" });
    expect(iso(thirdFriday.nextMs(Date.UTC(2026, 0, 1)))).toBe("2026-01-16T00:00:00.000Z");
  });

  it("says whether the hour field covers every hour", () => {
    expect(parseSchedule("*/20 * * * *").everyHour).toBe(true);
    expect(parseSchedule("0 0-23 * * *").everyHour).toBe(true);
    expect(parseSchedule("30 2 * * *").everyHour).toBe(false);
    expect(parseSchedule("0 */2 * * *").everyHour).toBe(false);
  });
});

describe("parseSchedule: invalid expressions", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["* * * * * * *", "field count"],
    ["0 0 * * * 2026 extra", "field count"],
    ["* * *", "field count"],
    ["", "field count"],
    ["60 * * * *", "minute"],
    ["foo * * * *", "minute"],
    ["*/0 * * * *", "minute"],
    ["H * * * *", "minute"],
    ["0 24 * * *", "hour"],
    ["0 0 32 * *", "day of month"],
    ["0 0 0 * *", "day of month"],
    ["0 0 30 2 *", "day of month"],
    ["0 0 * 13 *", "month"],
    ["0 0 * FOO *", "month"],
    ["0 0 * * 8", "day of week"],
    ["0 0 * * MON-SUN", "day of week"],
    ["61 * * * * *", "second"],
    ["@often", "expression"],
  ];

  it.each(cases)("%j is rejected in its %s field", (expression, field) => {
    const error = thrown(() => parseSchedule(expression, { timezone: "UTC" }));
    expect(error).toBeInstanceOf(InvalidSchedule);
    const invalid = error as InvalidSchedule;
    expect(invalid._tag).toBe("InvalidSchedule");
    expect(invalid.field).toBe(field);
    expect(invalid.expression).toBe(expression);
    expect(invalid.message).toContain(`"${expression}"`);
  });

  it("explains the fix: the bad value and what the field takes", () => {
    const error = thrown(() => parseSchedule("61 * * * *")) as InvalidSchedule;
    expect(error.message).toContain("(minute)");
    expect(error.message).toContain('"61"');
    expect(error.message).toContain("0-59");
    const count = thrown(() => parseSchedule("* * * * * * *")) as InvalidSchedule;
    expect(count.message).toContain("found 7");
    expect(count.message).toContain("6 with seconds first");
  });

  it("reads lists with overlapping values as their union (Vixie cron, POSIX)", () => {
    const t0 = Date.UTC(2026, 0, 1); // a Thursday
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["*/15,30 * * * *", "*/15 * * * *"],
      ["0,0 * * * *", "0 * * * *"],
      ["0 0 * * 0,7", "0 0 * * 0"],
      ["0 0 * * SUN,7", "0 0 * * 0"],
      ["0 0 1-15,10 * *", "0 0 1-15 * *"],
      ["0 9 * * 1-5,MON", "0 9 * * 1-5"],
      ["0 0 L,L * *", "0 0 L * *"],
      ["0 0 1,1 * 1,1", "0 0 1 * 1"],
    ];
    for (const [overlapping, plain] of cases) {
      const a = parseSchedule(overlapping, { timezone: NY });
      const b = parseSchedule(plain, { timezone: NY });
      expect(a.expression).toBe(overlapping);
      expect(a.nextN(t0, 50), overlapping).toEqual(b.nextN(t0, 50));
    }
    // The error still names the bad field when a list with duplicates sits elsewhere.
    expect((thrown(() => parseSchedule("0,0 99 * * *")) as InvalidSchedule).field).toBe("hour");
  });

  it("is the same class when imported from Schedule.js", () => {
    expect(ReexportedInvalidSchedule).toBe(InvalidSchedule);
  });
});

describe("parseSchedule: time zones", () => {
  it("rejects an unknown zone with InvalidTimezone", () => {
    const error = thrown(() => parseSchedule("0 * * * *", { timezone: "Mars/Olympus_Mons" }));
    expect(error).toBeInstanceOf(InvalidTimezone);
    const invalid = error as InvalidTimezone;
    expect(invalid._tag).toBe("InvalidTimezone");
    expect(invalid.timezone).toBe("Mars/Olympus_Mons");
    expect(invalid.message).toContain('"Mars/Olympus_Mons"');
  });

  it("rejects an empty zone name", () => {
    expect(thrown(() => parseSchedule("0 * * * *", { timezone: "" }))).toBeInstanceOf(
      InvalidTimezone,
    );
  });
});

describe("Schedule.next", () => {
  const hourly = parseSchedule("0 * * * *", { timezone: "UTC" });

  it("is strictly after its argument", () => {
    const t = Date.UTC(2026, 0, 1, 10);
    expect(hourly.nextMs(t)).toBe(t + HOUR);
    expect(hourly.nextMs(t - 1)).toBe(t);
    expect(hourly.nextMs(t - 0.5)).toBe(t);
  });

  it("takes a Date or epoch ms and returns a Date", () => {
    const t = Date.UTC(2026, 0, 1, 10, 30);
    expect(hourly.next(new Date(t))).toEqual(new Date(Date.UTC(2026, 0, 1, 11)));
    expect(hourly.next(t)).toEqual(new Date(Date.UTC(2026, 0, 1, 11)));
  });

  it("rejects an invalid instant with InstantOutOfRange", () => {
    expect(() => hourly.next(Number.NaN)).toThrow(InstantOutOfRange);
    expect(() => hourly.next(new Date("nope"))).toThrow(/finite/);
    const error = thrown(() => hourly.next(8.64e15 + 1)) as InstantOutOfRange;
    expect(error._tag).toBe("InstantOutOfRange");
    expect(error.what).toBe("after");
  });

  it("gives a typed error, not a RangeError, when the next tick falls past year 275,760", () => {
    for (const zone of ["UTC", NY]) {
      const yearly = parseSchedule("0 0 1 1 *", { timezone: zone });
      const error = thrown(() => yearly.next(8.64e15 - HOUR)) as InstantOutOfRange;
      expect(error).toBeInstanceOf(InstantOutOfRange);
      expect(error.what).toBe("next tick");
      expect(error.message).toContain("+275760-09-13");
      expect(() => ticksBetween(yearly, 8.64e15 - DAY, 8.64e15, 5)).toThrow(InstantOutOfRange);
    }
    // The last ticks before the end of time are still found.
    const daily = parseSchedule("0 0 * * *", { timezone: "UTC" });
    expect(daily.nextMs(8.64e15 - DAY - 1)).toBe(8.64e15 - DAY);
  });

  it("nextN chains n ticks", () => {
    expect(hourly.nextN(0, 3).map((d) => d.getTime())).toEqual([HOUR, 2 * HOUR, 3 * HOUR]);
    expect(hourly.nextN(0, 0)).toEqual([]);
    expect(() => hourly.nextN(0, -1)).toThrow(RangeError);
  });

  it("does not drift over 10,000 chained ticks of */5 seconds (UTC)", () => {
    const schedule = parseSchedule("*/5 * * * * *", { timezone: "UTC" });
    const start = Date.UTC(2026, 0, 1) + 1234; // a ragged start
    const ticks = [schedule.nextMs(start)];
    for (let i = 1; i < 10_000; i++) ticks.push(schedule.nextMs(ticks[i - 1] as number));
    expect(ticks[0]).toBe(start - 1234 + 5000);
    expect(ticks.filter((t) => t % 5000 !== 0)).toEqual([]);
    expect(new Set(gaps(ticks))).toEqual(new Set([5000]));
    expect(ticks[9_999]).toBe(ticks[0] + 9_999 * 5000);
  });

  it("does not drift over 10,000 chained ticks across a DST change (New York)", () => {
    const schedule = parseSchedule("*/5 * * * * *", { timezone: NY });
    const start = Date.UTC(2026, 2, 8, 6, 50); // 01:50 EST, 10 minutes before the gap
    const ticks = [schedule.nextMs(start)];
    for (let i = 1; i < 10_000; i++) ticks.push(schedule.nextMs(ticks[i - 1] as number));
    expect(ticks[0]).toBe(start + 5000);
    expect(ticks.filter((t) => t % 5000 !== 0)).toEqual([]);
    expect(new Set(gaps(ticks))).toEqual(new Set([5000]));
  });
});

describe("ticksBetween and latestTickBetween (catch-up)", () => {
  const hourly = parseSchedule("0 * * * *", { timezone: "UTC" });
  const t0 = Date.UTC(2026, 0, 1);

  it("returns the ticks in (after, until]", () => {
    const ticks = ticksBetween(hourly, t0, t0 + 3 * HOUR, 100).map((d) => d.getTime());
    expect(ticks).toEqual([t0 + HOUR, t0 + 2 * HOUR, t0 + 3 * HOUR]);
  });

  it("is bounded by limit, earliest first", () => {
    const ticks = ticksBetween(hourly, t0, t0 + 30 * DAY, 5).map((d) => d.getTime());
    expect(ticks).toEqual([1, 2, 3, 4, 5].map((h) => t0 + h * HOUR));
    expect(ticksBetween(hourly, t0, t0 + DAY, 0)).toEqual([]);
    expect(() => ticksBetween(hourly, t0, t0 + DAY, -1)).toThrow(RangeError);
  });

  it("is empty when nothing falls due", () => {
    expect(ticksBetween(hourly, t0, t0 + HOUR - 1, 10)).toEqual([]);
    expect(ticksBetween(hourly, t0, t0 - DAY, 10)).toEqual([]);
  });

  it("latestTickBetween finds the most recent missed tick", () => {
    expect(latestTickBetween(hourly, t0, t0 + 30 * DAY + 30 * MINUTE)?.getTime()).toBe(
      t0 + 30 * DAY,
    );
    expect(latestTickBetween(hourly, t0, t0 + HOUR)?.getTime()).toBe(t0 + HOUR);
    expect(latestTickBetween(hourly, t0, t0 + HOUR - 1)).toBeUndefined();
    const yearly = parseSchedule("0 0 1 1 *", { timezone: "UTC" });
    expect(latestTickBetween(yearly, 0, Date.UTC(2026, 5, 1))?.toISOString()).toBe(
      "2026-01-01T00:00:00.000Z",
    );
  });

  it("latestTickBetween agrees with the last of ticksBetween", () => {
    const schedule = parseSchedule("*/7 9-17 * * MON-FRI", { timezone: NY });
    for (let i = 0; i < 40; i++) {
      const after = Date.UTC(2026, 2, 1) + i * 7 * HOUR;
      const until = after + (i + 1) * 5 * HOUR;
      const all = ticksBetween(schedule, after, until, 100_000);
      expect(latestTickBetween(schedule, after, until)).toEqual(all[all.length - 1]);
    }
  });
});

describe("DST: wall times skipped by spring-forward", () => {
  it('New York "30 2 * * *": 02:30 on 2026-03-08 does not exist; fires once, at 03:00 EDT', () => {
    const schedule = parseSchedule("30 2 * * *", { timezone: NY });
    const ticks = ticksIn(schedule, Date.UTC(2026, 2, 7), Date.UTC(2026, 2, 11));
    expect(ticks.map((t) => schedule.zone.formatLocal(t))).toEqual([
      "2026-03-07T02:30:00-05:00",
      "2026-03-08T03:00:00-04:00",
      "2026-03-09T02:30:00-04:00",
      "2026-03-10T02:30:00-04:00",
    ]);
  });

  it("gives the same next tick from any instant before it", () => {
    const schedule = parseSchedule("30 2 * * *", { timezone: NY });
    const tick = Date.UTC(2026, 2, 8, 7); // 03:00 EDT
    for (let after = Date.UTC(2026, 2, 7, 8); after < tick; after += 7 * MINUTE) {
      expect(schedule.nextMs(after)).toBe(tick);
    }
    expect(schedule.nextMs(tick - 1)).toBe(tick);
    expect(iso(schedule.nextMs(tick))).toBe("2026-03-09T06:30:00.000Z");
  });

  it("collapses every skipped time of a fixed schedule into one fire", () => {
    const quarter = parseSchedule("*/15 2 * * *", { timezone: NY });
    const day = ticksIn(quarter, Date.UTC(2026, 2, 8, 5), Date.UTC(2026, 2, 9, 4));
    expect(day.map(iso)).toEqual(["2026-03-08T07:00:00.000Z"]);
    // A skipped 02:00 and a real 03:00 are one fire, not two.
    const twoAndThree = parseSchedule("0 2,3 * * *", { timezone: NY });
    const both = ticksIn(twoAndThree, Date.UTC(2026, 2, 8, 5), Date.UTC(2026, 2, 9, 4));
    expect(both.map(iso)).toEqual(["2026-03-08T07:00:00.000Z"]);
  });

  it('Europe/Berlin "30 2 * * *": fires at 03:00 CEST on 2026-03-29', () => {
    const schedule = parseSchedule("30 2 * * *", { timezone: BERLIN });
    const ticks = ticksIn(schedule, Date.UTC(2026, 2, 28), Date.UTC(2026, 2, 31));
    expect(ticks.map((t) => schedule.zone.formatLocal(t))).toEqual([
      "2026-03-28T02:30:00+01:00",
      "2026-03-29T03:00:00+02:00",
      "2026-03-30T02:30:00+02:00",
    ]);
  });

  it("a gap at midnight moves a midnight job to 01:00 (Santiago, 2026-09-06)", () => {
    const schedule = parseSchedule("0 0 * * *", { timezone: "America/Santiago" });
    const tick = schedule.nextMs(Date.UTC(2026, 8, 5, 12));
    expect(schedule.zone.formatLocal(tick)).toBe("2026-09-06T01:00:00-03:00");
  });
});

describe("DST: wall times repeated by fall-back", () => {
  it('New York "30 1 * * *": 01:30 on 2026-11-01 fires once, at the first (EDT) occurrence', () => {
    const schedule = parseSchedule("30 1 * * *", { timezone: NY });
    const ticks = ticksIn(schedule, Date.UTC(2026, 9, 31), Date.UTC(2026, 10, 3));
    expect(ticks.map((t) => schedule.zone.formatLocal(t))).toEqual([
      "2026-10-31T01:30:00-04:00",
      "2026-11-01T01:30:00-04:00",
      "2026-11-02T01:30:00-05:00",
    ]);
    // From inside the repeated hour, the second 01:30 is not a tick either.
    expect(iso(schedule.nextMs(Date.UTC(2026, 10, 1, 6, 10)))).toBe("2026-11-02T06:30:00.000Z");
  });

  it("a fixed schedule with several times in the repeated hour fires each once", () => {
    const schedule = parseSchedule("*/20 1 * * *", { timezone: NY });
    const ticks = ticksIn(schedule, Date.UTC(2026, 10, 1, 4), Date.UTC(2026, 10, 2, 4));
    expect(ticks.map((t) => schedule.zone.formatLocal(t))).toEqual([
      "2026-11-01T01:00:00-04:00",
      "2026-11-01T01:20:00-04:00",
      "2026-11-01T01:40:00-04:00",
    ]);
  });

  it('Europe/Berlin "30 2 * * *": 02:30 on 2026-10-25 fires once, at 02:30 CEST', () => {
    const schedule = parseSchedule("30 2 * * *", { timezone: BERLIN });
    const ticks = ticksIn(schedule, Date.UTC(2026, 9, 24), Date.UTC(2026, 9, 27));
    expect(ticks.map((t) => schedule.zone.formatLocal(t))).toEqual([
      "2026-10-24T02:30:00+02:00",
      "2026-10-25T02:30:00+02:00",
      "2026-10-26T02:30:00+01:00",
    ]);
  });
});

describe("DST: interval schedules keep real elapsed spacing", () => {
  const transitions: ReadonlyArray<readonly [string, string, number]> = [
    [NY, "spring-forward", Date.UTC(2026, 2, 8, 7)],
    [NY, "fall-back", Date.UTC(2026, 10, 1, 6)],
    [BERLIN, "spring-forward", Date.UTC(2026, 2, 29, 1)],
    [BERLIN, "fall-back", Date.UTC(2026, 9, 25, 1)],
  ];
  const patterns: ReadonlyArray<readonly [string, number]> = [
    ["*/20 * * * *", 20 * MINUTE],
    ["0 * * * *", HOUR],
    ["7 * * * *", HOUR],
    ["*/10 * * * * *", 10 * SECOND],
  ];

  for (const [zone, kind, at] of transitions) {
    for (const [expression, spacing] of patterns) {
      it(`${expression} in ${zone} across ${kind}: every gap is exactly ${spacing / 1000}s`, () => {
        const schedule = parseSchedule(expression, { timezone: zone });
        const ticks = ticksIn(schedule, at - 3 * HOUR, at + 3 * HOUR);
        expect(ticks).toHaveLength((6 * HOUR) / spacing);
        expect(new Set(gaps(ticks))).toEqual(new Set([spacing]));
      });
    }
  }

  it("keeps wall times under a 30-minute shift: one 90-minute interval at each change (Lord_Howe)", () => {
    const hourly = parseSchedule("0 * * * *", { timezone: "Australia/Lord_Howe" });
    const halfPast = parseSchedule("30 * * * *", { timezone: "Australia/Lord_Howe" });
    // Forward at 02:00 -> 02:30 on 2026-10-04 (15:30Z), back at 02:00 -> 01:30 on 2026-04-05 (15:00Z).
    for (const change of [Date.UTC(2026, 9, 3, 15, 30), Date.UTC(2026, 3, 4, 15)]) {
      const spacing = gaps(ticksIn(hourly, change - 6 * HOUR, change + 6 * HOUR));
      expect(spacing.filter((g) => g !== HOUR)).toEqual([90 * MINUTE]);
      const other = gaps(ticksIn(halfPast, change - 6 * HOUR, change + 6 * HOUR));
      expect(other.filter((g) => g !== HOUR)).toEqual([30 * MINUTE]);
    }
  });

  it("a 23-hour local day has 69 ticks of */20 and a 25-hour one 75", () => {
    const schedule = parseSchedule("*/20 * * * *", { timezone: NY });
    const spring = ticksIn(schedule, Date.UTC(2026, 2, 8, 5), Date.UTC(2026, 2, 9, 4));
    const fall = ticksIn(schedule, Date.UTC(2026, 10, 1, 4), Date.UTC(2026, 10, 2, 5));
    expect(spring).toHaveLength(69);
    expect(fall).toHaveLength(75);
  });

  it("fires both occurrences of a repeated hour, from inside the first one too", () => {
    const hourly = parseSchedule("0 * * * *", { timezone: NY });
    // 01:30 EDT: the next tick is 01:00 EST, half an hour later in real time.
    expect(iso(hourly.nextMs(Date.UTC(2026, 10, 1, 5, 30)))).toBe("2026-11-01T06:00:00.000Z");
    const halfHourly = parseSchedule("0,30 * * * *", { timezone: NY });
    expect(iso(halfHourly.nextMs(Date.UTC(2026, 10, 1, 5, 15)))).toBe("2026-11-01T05:30:00.000Z");
  });
});

describe("cron-parser alone (why Schedule corrects it)", () => {
  // Characterisation of cron-parser 5.10 with tz, the behaviour Schedule replaces.
  const cronNext = (expression: string, after: number, tz: string) =>
    CronExpressionParser.parse(expression, { currentDate: new Date(after), tz })
      .next()
      .toDate()
      .toISOString();

  it("shifts a skipped 02:30 by the gap to 03:30", () => {
    expect(cronNext("30 2 * * *", Date.UTC(2026, 2, 7, 12), NY)).toBe("2026-03-08T07:30:00.000Z");
  });

  it("from 03:00 EDT it skips that day's shifted tick altogether", () => {
    expect(cronNext("30 2 * * *", Date.UTC(2026, 2, 8, 7), NY)).toBe("2026-03-09T06:30:00.000Z");
  });

  it("already fires a repeated fixed time once and keeps interval spacing", () => {
    expect(cronNext("30 1 * * *", Date.UTC(2026, 10, 1, 5, 30), NY)).toBe(
      "2026-11-02T06:30:00.000Z",
    );
    expect(cronNext("0 * * * *", Date.UTC(2026, 10, 1, 5, 30), NY)).toBe(
      "2026-11-01T06:00:00.000Z",
    );
  });
});

describe("day of month and day of week", () => {
  const t0 = Date.UTC(2026, 0, 1); // Thursday
  const days = (expression: string) =>
    parseSchedule(expression, { timezone: "UTC" })
      .nextN(t0, 6)
      .map((d) => d.getUTCDate());

  it("ORs them when both are restricted, even when one is a step of *", () => {
    expect(days("0 0 1 * MON")).toEqual([5, 12, 19, 26, 1, 2]);
    // Vixie cron would AND "*/3" with MON (a field starting with * counts as *): 19 only.
    expect(days("0 0 */3 * MON")).toEqual([4, 5, 7, 10, 12, 13]);
  });

  it("uses the restricted one alone when the other is *", () => {
    expect(days("0 0 * * MON")).toEqual([5, 12, 19, 26, 2, 9]);
    expect(days("0 0 13 * *")).toEqual([13, 13, 13, 13, 13, 13]);
  });
});

describe("parseSchedule: shared patterns", () => {
  it("schedules of one expression share its parsed pattern, each reading it in its own zone", () => {
    const utc = parseSchedule("0 9 * * *", { timezone: "UTC" });
    const tokyo = parseSchedule("0 9 * * *", { timezone: "Asia/Tokyo" });
    expect(tokyo.pattern).toBe(utc.pattern);
    const from = Date.UTC(2026, 0, 1, 0, 0);
    expect(utc.next(from).toISOString()).toBe("2026-01-01T09:00:00.000Z");
    expect(tokyo.next(from).toISOString()).toBe("2026-01-02T00:00:00.000Z");
  });

  it("an invalid expression is refused every time, not remembered as valid", () => {
    for (let k = 0; k < 2; k++) {
      expect(() => parseSchedule("0 0 31 2 *", { timezone: "UTC" })).toThrow(InvalidSchedule);
    }
  });

  it("keeps at most 1,024 patterns (oldest out), and an evicted one parses again", () => {
    const first = parseSchedule("1 1 1 1 *", { timezone: "UTC" }).pattern;
    for (let k = 0; k < 1_100; k++)
      parseSchedule(`${k % 60} ${Math.floor(k / 60) % 24} * * ${k % 7}`);
    const again = parseSchedule("1 1 1 1 *", { timezone: "UTC" });
    expect(again.pattern).not.toBe(first);
    expect(again.next(Date.UTC(2026, 0, 1)).toISOString()).toBe("2026-01-01T01:01:00.000Z");
  });
});
