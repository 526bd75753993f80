import { CronExpressionParser } from "cron-parser";
import { describe, expect, it } from "vitest";
import { WallClockPattern } from "../../src/schedule/WallClockPattern.js";
import { random } from "./reference.js";

// Six-field expressions exercising every day-matching rule cron-parser has.
const expressions = [
  "0 * * * * *",
  "*/10 * * * * *",
  "0 */5 * * * *",
  "0 0 9 * * 1-5",
  "0 30 2 * * *",
  "15,45 0 0,12 * * *",
  "0 0 0 1 * *",
  "0 0 0 L * *",
  "0 0 0 L,15 * *",
  "0 0 0 29 2 *",
  "0 0 0 31 * *",
  "0 0 0 * * 5#3",
  "0 0 0 * * 1#5",
  "0 0 0 * * 2L",
  "0 0 0 * * 1,3L",
  "0 0 12 13 * 5",
  "0 0 12 1-7 * 1",
  "0 0 0 */2 * *",
  "0 0 0 ? * 0",
  "0 0 0 * * 7",
  "0 0 6 * JAN,JUL *",
  "0 0 6 * 2-11/3 MON-FRI",
  "59 59 23 31 12 *",
];

describe("WallClockPattern walks exactly like cron-parser (UTC, no DST)", () => {
  for (const expression of expressions) {
    it(expression, () => {
      const rand = random(expression.length * 7919);
      const pattern = new WallClockPattern(
        CronExpressionParser.parse(expression, { tz: "UTC" }).fields,
      );
      for (let trial = 0; trial < 10; trial++) {
        // Random starts between 2000 and 2040, some with ragged milliseconds.
        let ours = Date.UTC(2000, 0, 1) + Math.floor(rand() * 40 * 365.25 * 86_400_000);
        const cron = CronExpressionParser.parse(expression, {
          tz: "UTC",
          currentDate: new Date(ours),
        });
        for (let step = 0; step < 8; step++) {
          ours = pattern.nextAfter(ours);
          expect(new Date(ours).toISOString()).toBe(cron.next().toDate().toISOString());
        }
      }
    });
  }

  it("is strictly after its argument, at whole seconds", () => {
    const pattern = new WallClockPattern(
      CronExpressionParser.parse("* * * * * *", { tz: "UTC" }).fields,
    );
    expect(pattern.nextAfter(1000)).toBe(2000);
    expect(pattern.nextAfter(1000.5)).toBe(2000);
    expect(pattern.nextAfter(999)).toBe(1000);
  });

  it("knows whether it matches every hour", () => {
    const of = (e: string) =>
      new WallClockPattern(CronExpressionParser.parse(e, { tz: "UTC" }).fields).everyHour;
    expect(of("0 */20 * * * *")).toBe(true);
    expect(of("0 0 0-23 * * *")).toBe(true);
    expect(of("0 0 0-22 * * *")).toBe(false);
  });
});
