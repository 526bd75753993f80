import { describe, expect, it } from "vitest";
import { preview } from "../../src/schedule/preview.js";
import { parseSchedule, type Schedule, ticksBetween } from "../../src/schedule/Schedule.js";
import { TimeZone } from "../../src/schedule/TimeZone.js";
import { intlOffsetOf } from "./reference.js";

const NY = "America/New_York";
const BERLIN = "Europe/Berlin";
const LORD_HOWE = "Australia/Lord_Howe";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("preview", () => {
  it("lists the next n ticks with their local time and no note", () => {
    const schedule = parseSchedule("0 9 * * MON-FRI", { timezone: BERLIN });
    const entries = preview(schedule, Date.UTC(2026, 0, 2, 12), 3);
    expect(entries.map((e) => e.local)).toEqual([
      "2026-01-05T09:00:00+01:00",
      "2026-01-06T09:00:00+01:00",
      "2026-01-07T09:00:00+01:00",
    ]);
    expect(entries[0]?.at).toEqual(new Date("2026-01-05T08:00:00Z"));
    // exactOptionalPropertyTypes: no note means no key, not `note: undefined`.
    expect(entries.every((e) => !("note" in e))).toBe(true);
    expect(preview(schedule, 0, 0)).toEqual([]);
  });

  it("accepts a Date and shows seconds for six-field schedules", () => {
    const schedule = parseSchedule("*/10 * * * * *", { timezone: "UTC" });
    const entries = preview(schedule, new Date(Date.UTC(2026, 0, 1)), 2);
    expect(entries.map((e) => e.local)).toEqual([
      "2026-01-01T00:00:10+00:00",
      "2026-01-01T00:00:20+00:00",
    ]);
  });

  it("notes a skipped fixed time moved to the end of the gap", () => {
    const schedule = parseSchedule("30 2 * * *", { timezone: NY });
    const [moved, normal] = preview(schedule, Date.UTC(2026, 2, 7, 12), 2);
    expect(moved).toEqual({
      at: new Date("2026-03-08T07:00:00Z"),
      local: "2026-03-08T03:00:00-04:00",
      note: "02:30 does not exist on 2026-03-08 (clocks go forward 1h at 02:00); fires at 03:00",
    });
    expect(normal?.local).toBe("2026-03-09T02:30:00-04:00");
    expect(normal && "note" in normal).toBe(false);
  });

  it("notes several skipped fixed times collapsed into one fire", () => {
    const schedule = parseSchedule("*/15 2 * * *", { timezone: NY });
    const [collapsed] = preview(schedule, Date.UTC(2026, 2, 7, 12), 1);
    expect(collapsed?.note).toBe(
      "02:00, 02:15, 02:30 and 02:45 do not exist on 2026-03-08 (clocks go forward 1h at 02:00); they fire once, at 03:00",
    );
    const everySecond = parseSchedule("* * 2 * * *", { timezone: BERLIN });
    expect(preview(everySecond, Date.UTC(2026, 2, 29, 0), 1)[0]?.note).toBe(
      "02:00:00, 02:00:01, 02:00:02, 02:00:03 and 3596 more do not exist on 2026-03-29 (clocks go forward 1h at 02:00:00); they fire once, at 03:00:00",
    );
  });

  it("notes ticks an interval schedule skips", () => {
    const schedule = parseSchedule("*/20 * * * *", { timezone: NY });
    const entries = preview(schedule, Date.UTC(2026, 2, 8, 6, 30), 3);
    expect(entries.map((e) => e.local)).toEqual([
      "2026-03-08T01:40:00-05:00",
      "2026-03-08T03:00:00-04:00",
      "2026-03-08T03:20:00-04:00",
    ]);
    expect(entries.map((e) => e.note)).toEqual([
      undefined,
      "02:00, 02:20 and 02:40 do not exist on 2026-03-08 (clocks go forward 1h at 02:00); skipped, ticks follow elapsed time",
      undefined,
    ]);
  });

  it("notes a repeated fixed time that fires once", () => {
    const schedule = parseSchedule("30 1 * * *", { timezone: NY });
    const [once, next] = preview(schedule, Date.UTC(2026, 9, 31, 12), 2);
    expect(once?.local).toBe("2026-11-01T01:30:00-04:00");
    expect(once?.note).toBe(
      "01:30 occurs twice on 2026-11-01 (clocks go back 1h at 02:00); fires once, at the first (-04:00)",
    );
    expect(next?.local).toBe("2026-11-02T01:30:00-05:00");
  });

  it("notes both occurrences of a repeated hour for an interval schedule", () => {
    const schedule = parseSchedule("0 * * * *", { timezone: BERLIN });
    const entries = preview(schedule, Date.UTC(2026, 9, 24, 22, 30), 4);
    expect(entries.map((e) => [e.local, e.note])).toEqual([
      ["2026-10-25T01:00:00+02:00", undefined],
      [
        "2026-10-25T02:00:00+02:00",
        "02:00 occurs twice on 2026-10-25 (clocks go back 1h at 03:00); this is the first (+02:00)",
      ],
      [
        "2026-10-25T02:00:00+01:00",
        "02:00 occurs twice on 2026-10-25 (clocks go back 1h at 03:00); this is the second (+01:00)",
      ],
      ["2026-10-25T03:00:00+01:00", undefined],
    ]);
  });

  it("notes a sparse schedule's moved tick although months of transitions lie before it", () => {
    // The second Sunday of March is New York's spring-forward day: 02:30 never exists.
    const skipped = parseSchedule("30 2 * 3 0#2", { timezone: NY });
    const entries = preview(skipped, Date.UTC(2024, 0, 1), 4);
    expect(entries.map((e) => e.local)).toEqual([
      "2024-03-10T03:00:00-04:00",
      "2025-03-09T03:00:00-04:00",
      "2026-03-08T03:00:00-04:00",
      "2027-03-14T03:00:00-04:00",
    ]);
    for (const entry of entries)
      expect(entry.note).toMatch(/^02:30 does not exist on .*; fires at 03:00$/);
    // 2032-11-07 is the first Sunday of November: 01:30 happens twice that year only.
    const repeated = parseSchedule("30 1 7 11 *", { timezone: NY });
    const years = preview(repeated, Date.UTC(2030, 0, 1), 4);
    expect(years.map((e) => e.note ?? "")).toEqual([
      "",
      "",
      "01:30 occurs twice on 2032-11-07 (clocks go back 1h at 02:00); fires once, at the first (-04:00)",
      "",
    ]);
  });

  it("notes the interval stretched by a 30-minute shift (Australia/Lord_Howe)", () => {
    const hourly = parseSchedule("0 * * * *", { timezone: LORD_HOWE });
    const back = preview(hourly, Date.UTC(2026, 3, 4, 13, 30), 2);
    expect(back.map((e) => e.local)).toEqual([
      "2026-04-05T01:00:00+11:00",
      "2026-04-05T02:00:00+10:30",
    ]);
    expect(back[1]?.note).toBe(
      "clocks go back 30m at 02:00 on 2026-04-05; this tick keeps its wall time, so the interval before it is 30m longer in real time",
    );
    const forward = preview(hourly, Date.UTC(2026, 9, 3, 14), 2);
    expect(forward[1]?.note).toBe(
      "02:00 does not exist on 2026-10-04 (clocks go forward 30m at 02:00); skipped, ticks follow elapsed time",
    );
  });

  it("every entry at a DST change carries a note (2024-2027, sparse and dense schedules)", () => {
    const expressions = [
      "30 2 * 3 0#2",
      "30 1 7 11 *",
      "30 2 * * 0",
      "0 2 * 3,4,9,10,11 *",
      "15 1,2 1-14 * *",
      "30 1 * * *",
      "0 * * * *",
      "*/20 * * * *",
      "45 * * * *",
      "0 * 1-14 3,4,10,11 *",
      "0 0 * * *",
    ];
    const zones = [NY, BERLIN, LORD_HOWE, "America/Santiago", "Australia/Sydney", "Europe/London"];
    let atChange = 0;
    for (const zone of zones) {
      const tz = TimeZone.of(zone);
      const changes: number[] = [];
      for (let t = tz.transitionBetween(Date.UTC(2024, 0), Date.UTC(2028, 0)); t !== undefined; ) {
        changes.push(t.at);
        t = tz.transitionBetween(t.at, Date.UTC(2028, 0));
      }
      for (const expression of expressions) {
        const schedule = parseSchedule(expression, { timezone: zone });
        const dense = schedule.nextMs(Date.UTC(2024, 0)) - Date.UTC(2024, 0) < DAY;
        // Dense schedules are checked around each change; sparse ones over all four years.
        const starts = dense ? changes.map((at) => at - DAY) : [Date.UTC(2024, 0)];
        for (const start of starts) {
          let previous = start;
          const end = dense ? start + 2 * DAY : Date.UTC(2028, 0);
          const count = ticksBetween(schedule, start, end, 10_000).length;
          for (const entry of preview(schedule, start, count)) {
            const at = entry.at.getTime();
            if (atDstChange(schedule, changes, previous, at)) {
              atChange++;
              expect(entry.note, `${expression} in ${zone}: ${entry.local}`).toBeDefined();
            }
            previous = at;
          }
        }
      }
    }
    expect(atChange).toBeGreaterThan(200);
  });
});

/**
 * Whether a tick sits at a DST change, stated without preview's own logic: its wall time
 * happens twice; or it is a fixed-time tick at a change instant whose wall time the
 * pattern does not match (a moved tick); or an interval tick less than an hour after a
 * change that came since the previous tick.
 */
function atDstChange(schedule: Schedule, changes: readonly number[], previous: number, at: number) {
  const offset = intlOffsetOf(schedule.timezone, at);
  const wall = at + offset;
  const other = [
    wall - intlOffsetOf(schedule.timezone, at - DAY),
    wall - intlOffsetOf(schedule.timezone, at + DAY),
  ];
  if (other.some((u) => u !== at && u + intlOffsetOf(schedule.timezone, u) === wall)) return true;
  if (!schedule.everyHour) {
    return changes.includes(at) && schedule.pattern.nextAfter(wall - 1000) !== wall;
  }
  return changes.some((c) => c > previous && c <= at && at - c < HOUR);
}
