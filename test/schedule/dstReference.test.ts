import { CronExpressionParser } from "cron-parser";
import { describe, expect, it } from "vitest";
import { parseSchedule, ticksBetween } from "../../src/schedule/Schedule.js";
import { intlOffsetOf } from "./reference.js";

// A slow, obviously-right statement of the DST rules in Schedule's TSDoc, checked minute by
// minute around real transitions, against the fast implementation.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Window {
  readonly from: number;
  /** Wall time (naive ms) of each minute from `from - 2h`. */
  readonly walls: readonly number[];
}

function windowOf(zone: string, from: number, to: number): Window {
  const walls: number[] = [];
  for (let u = from - 2 * HOUR; u <= to; u += MINUTE) walls.push(u + intlOffsetOf(zone, u));
  return { from, walls };
}

function referenceTicks(expression: string, window: Window, to: number): number[] {
  // Only minute and hour vary in these expressions; read their sets from cron-parser.
  const fields = CronExpressionParser.parse(expression, { tz: "UTC" }).fields;
  const minuteSet = new Set<number>(fields.minute.values);
  const hourSet = new Set<number>(fields.hour.values);
  const matches = (wall: number) => {
    const d = new Date(wall);
    return minuteSet.has(d.getUTCMinutes()) && hourSet.has(d.getUTCHours());
  };
  const everyHour = hourSet.size === 24;
  const base = window.from - 2 * HOUR;
  const wallOf = (u: number) => window.walls[(u - base) / MINUTE] as number;
  const ticks = new Set<number>();
  for (let u = window.from; u <= to; u += MINUTE) {
    const wall = wallOf(u);
    // A wall time seen earlier (within the last two hours) is a repeat after a fall-back.
    let repeat = false;
    for (let back = 30 * MINUTE; back <= 2 * HOUR; back += 30 * MINUTE) {
      if (wallOf(u - back) === wall) repeat = true;
    }
    if (matches(wall) && !(repeat && !everyHour)) ticks.add(u);
    // A spring-forward at u: fixed schedules fire there for any match in the gap.
    const gapStart = wallOf(u - MINUTE) + MINUTE;
    if (wall > gapStart && !everyHour) {
      for (let w = gapStart; w < wall; w += MINUTE) if (matches(w)) ticks.add(u);
    }
  }
  return [...ticks].sort((a, b) => a - b);
}

const transitions: ReadonlyArray<readonly [string, number]> = [
  ["America/New_York", Date.UTC(2026, 2, 8, 7)],
  ["America/New_York", Date.UTC(2026, 10, 1, 6)],
  ["Europe/Berlin", Date.UTC(2026, 2, 29, 1)],
  ["Europe/Berlin", Date.UTC(2026, 9, 25, 1)],
  ["Australia/Lord_Howe", Date.UTC(2026, 3, 4, 15)], // 30-minute fall-back
  ["Australia/Lord_Howe", Date.UTC(2026, 9, 3, 15, 30)], // 30-minute spring-forward
  ["America/Santiago", Date.UTC(2026, 8, 6, 4)], // spring-forward at midnight
  ["America/Santiago", Date.UTC(2026, 3, 5, 3)], // fall-back at midnight
];

const minutes = ["*", "0", "30", "0,30", "*/20", "*/7", "15-45/10", "59"];
const hours = ["*", "0", "1", "2", "3", "23", "1-3", "*/2", "0-23", "2,3", "0,1"];

describe("Schedule agrees with a minute-by-minute reference of the DST rules", () => {
  for (const [zone, at] of transitions) {
    it(`${zone} around ${new Date(at).toISOString()}`, () => {
      const from = at - 5 * HOUR;
      const to = at + 5 * HOUR;
      const window = windowOf(zone, from, to);
      for (const minute of minutes) {
        for (const hour of hours) {
          const expression = `${minute} ${hour} * * *`;
          const schedule = parseSchedule(expression, { timezone: zone });
          const fast = ticksBetween(schedule, from - 1, to, 10_000).map((d) => d.getTime());
          expect(fast, expression).toEqual(referenceTicks(expression, window, to));
        }
      }
    });
  }
});
