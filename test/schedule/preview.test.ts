import { describe, expect, it } from "vitest";
import { preview } from "../../src/schedule/preview.js";
import { parseSchedule } from "../../src/schedule/Schedule.js";

const NY = "America/New_York";
const BERLIN = "Europe/Berlin";

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
});
