import { describe, expect, it } from "vitest";
import { IntervalSchedule } from "../../src/schedule/IntervalSchedule.js";
import { InvalidSchedule } from "../../src/schedule/InvalidSchedule.js";
import { InvalidTimezone } from "../../src/schedule/InvalidTimezone.js";
import { formatDurationMs, parseDuration } from "../../src/schedule/parseDuration.js";
import { preview } from "../../src/schedule/preview.js";
import { ticksBetween } from "../../src/schedule/Schedule.js";
import type { ShapedSchedule } from "../../src/schedule/ShapedSchedule.js";
import {
  sameSchedule,
  scheduleConfig,
  scheduleFromConfig,
} from "../../src/schedule/scheduleConfig.js";
import { parseTickSchedule, type ScheduleSpec, scheduleOf } from "../../src/schedule/scheduleOf.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5);

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("parseDuration", () => {
  it("reads units largest first, or whole ms", () => {
    expect(parseDuration("15m", "every")).toBe(15 * MINUTE);
    expect(parseDuration("1h30m", "every")).toBe(90 * MINUTE);
    expect(parseDuration("90s", "every")).toBe(90 * SECOND);
    expect(parseDuration("500ms", "every")).toBe(500);
    expect(parseDuration("1d2h3m4s5ms", "every")).toBe(
      DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND + 5,
    );
    expect(parseDuration(" 2d ", "every")).toBe(2 * DAY);
    expect(parseDuration(250, "jitter")).toBe(250);
    expect(formatDurationMs(90 * MINUTE)).toBe("1h30m");
    expect(formatDurationMs(1500)).toBe("1s500ms");
  });

  it.each([
    ["15x"],
    ["m15"],
    ["-5m"],
    ["0m"],
    [""],
    ["15 m"],
    ["30m1h"],
    [-1],
    [0],
    [1.5],
    [Number.NaN],
    [true],
  ])("refuses %j with InvalidSchedule naming the field and value", (value) => {
    const error = thrown(() => parseDuration(value, "every")) as InvalidSchedule;
    expect(error).toBeInstanceOf(InvalidSchedule);
    expect(error.field).toBe("every");
    expect(error.expression).toBe(String(value));
    expect(error.message).toContain("(every)");
    expect(error.message).toContain('"15m", "1h30m"');
  });
});

describe("every: interval schedules", () => {
  it("ticks at anchor + k × every, the Unix epoch by default", () => {
    const s = scheduleOf({ every: "15m", timezone: "UTC" }, "t");
    expect(s).toBeInstanceOf(IntervalSchedule);
    expect(s.expression).toBe("every 15m");
    expect(s.nextN(T0 + 7 * MINUTE, 3).map((d) => d.getTime())).toEqual([
      T0 + 15 * MINUTE,
      T0 + 30 * MINUTE,
      T0 + 45 * MINUTE,
    ]);
    // 7 minutes does not divide an hour: the phase still comes from the epoch alone.
    const seven = scheduleOf({ every: "7m", timezone: "UTC" }, "t");
    for (const at of seven.nextN(T0, 20)) expect(at.getTime() % (7 * MINUTE)).toBe(0);
  });

  it("is anchored at startAt when given, which is itself the first tick", () => {
    const s = scheduleOf({ every: "10m", startAt: T0 + 3 * MINUTE, timezone: "UTC" }, "t");
    expect(s.nextN(0, 3).map((d) => d.getTime())).toEqual([
      T0 + 3 * MINUTE,
      T0 + 13 * MINUTE,
      T0 + 23 * MINUTE,
    ]);
  });

  it("follows elapsed time across DST; the zone only shows it", () => {
    const s = scheduleOf({ every: "1h", timezone: "America/New_York" }, "t");
    const ticks = ticksBetween(s, Date.UTC(2026, 2, 8, 4), Date.UTC(2026, 2, 8, 10), 100);
    const gaps = ticks.slice(1).map((t, i) => t.getTime() - (ticks[i] as Date).getTime());
    expect(new Set(gaps)).toEqual(new Set([HOUR]));
    expect(preview(s, Date.UTC(2026, 2, 8, 5, 30), 2).map((e) => e.local)).toEqual([
      "2026-03-08T01:00:00-05:00",
      "2026-03-08T03:00:00-04:00",
    ]);
  });

  it("parseTickSchedule reads 'every 15m' or cron", () => {
    expect(parseTickSchedule("every 90s", { timezone: "UTC" }).nextMs(0)).toBe(90 * SECOND);
    expect(parseTickSchedule("0 * * * *", { timezone: "UTC" }).nextMs(0)).toBe(HOUR);
    expect(thrown(() => parseTickSchedule("every often"))).toBeInstanceOf(InvalidSchedule);
  });
});

describe("jitter", () => {
  const hourly: ScheduleSpec = { schedule: "0 * * * *", timezone: "UTC", jitter: "10m" };

  it("offsets each tick by the same amount every time, within [0, jitter)", () => {
    const a = scheduleOf(hourly, "report") as ShapedSchedule;
    const b = scheduleOf(hourly, "report") as ShapedSchedule;
    const ticks = a.nextN(T0, 200).map((d) => d.getTime());
    expect(b.nextN(T0, 200).map((d) => d.getTime())).toEqual(ticks);
    const offsets = ticks.map((t) => t % HOUR);
    for (const offset of offsets) {
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(10 * MINUTE);
      expect(offset % SECOND).toBe(0);
    }
    // Spread out, not one fixed offset; another trigger name gets other offsets.
    expect(new Set(offsets).size).toBeGreaterThan(150);
    const other = scheduleOf(hourly, "other")
      .nextN(T0, 200)
      .map((d) => d.getTime());
    expect(other).not.toEqual(ticks);
  });

  it("chains from a jittered tick or any instant alike, in order and without repeats", () => {
    const s = scheduleOf({ every: "1m", jitter: "59s", timezone: "UTC" }, "dense");
    const chained = s.nextN(T0, 500).map((d) => d.getTime());
    for (let i = 1; i < chained.length; i++) {
      expect(chained[i]).toBeGreaterThan(chained[i - 1] as number);
    }
    // From any instant, the next tick is the first chained tick after it.
    for (let probe = T0; probe < (chained.at(-1) as number); probe += 7_919) {
      expect(s.nextMs(probe)).toBe(chained.find((t) => t > probe));
    }
  });

  it("caps a tick's offset at the time to the next tick, so uneven cron ticks keep their order", () => {
    // 09:00 and 09:30, then nothing until tomorrow: the 09:00 offset stays below 30m.
    const s = scheduleOf({ schedule: "0,30 9 * * *", timezone: "UTC", jitter: "29m" }, "t");
    const ticks = s.nextN(T0, 60).map((d) => d.getTime());
    for (let i = 1; i < ticks.length; i++) {
      expect(ticks[i]).toBeGreaterThan(ticks[i - 1] as number);
    }
  });

  it("is refused when not shorter than the time between ticks", () => {
    for (const spec of [
      { every: "15m", jitter: "15m" },
      { every: "15m", jitter: "1h" },
      { schedule: "*/5 * * * *", jitter: "5m" },
      { schedule: "0,30 9 * * *", jitter: "45m" },
    ] as const) {
      const error = thrown(() => scheduleOf({ timezone: "UTC", ...spec }, "t")) as InvalidSchedule;
      expect(error).toBeInstanceOf(InvalidSchedule);
      expect(error.field).toBe("jitter");
      expect(error.message).toMatch(/must be shorter than/);
    }
    expect(
      (thrown(() => scheduleOf({ every: "1m", jitter: "-1s" }, "t")) as InvalidSchedule).field,
    ).toBe("jitter");
  });

  it("preview shows the offset and the un-jittered tick", () => {
    const s = scheduleOf(hourly, "report") as ShapedSchedule;
    const [entry] = preview(s, T0, 1);
    const at = entry?.at.getTime() as number;
    expect(at).toBe(s.nextMs(T0));
    // The first tick after T0 may be T0's own, fired late by its offset.
    const nominal = Math.floor(at / HOUR) * HOUR;
    const local = new Date(nominal).toISOString().replace(".000Z", "+00:00");
    expect(entry?.note).toBe(`jitter +${formatDurationMs(at - nominal)} after ${local}`);
  });
});

describe("startAt and endAt", () => {
  it("bound the ticks to [startAt, endAt)", () => {
    const s = scheduleOf(
      {
        schedule: "0 * * * *",
        timezone: "UTC",
        startAt: new Date(T0 + 2 * HOUR),
        endAt: T0 + 5 * HOUR,
      },
      "t",
    );
    expect(s.nextN(0, 10).map((d) => d.getTime())).toEqual([
      T0 + 2 * HOUR,
      T0 + 3 * HOUR,
      T0 + 4 * HOUR,
    ]);
    expect(s.nextMs(T0 + 4 * HOUR)).toBe(Number.POSITIVE_INFINITY);
    expect(s.next(T0 + 4 * HOUR)).toBeUndefined();
    expect(ticksBetween(s, 0, T0 + DAY, 100)).toHaveLength(3);
    expect(preview(s, T0, 10)).toHaveLength(3);
  });

  it("take a Date, an ISO 8601 string or epoch ms", () => {
    const iso = scheduleOf({ every: "1h", startAt: "2026-01-05T00:30:00Z", timezone: "UTC" }, "t");
    expect(iso.nextMs(0)).toBe(T0 + 30 * MINUTE);
  });

  it.each([
    [{ startAt: "yesterday" }, "startAt"],
    [{ startAt: Number.NaN }, "startAt"],
    [{ endAt: 9e15 }, "endAt"],
    [{ startAt: T0, endAt: T0 }, "endAt"],
    [{ startAt: T0, endAt: T0 - 1 }, "endAt"],
    [{ every: "1h", schedule: "0 * * * *" }, "every"],
    [{ every: "15x" }, "every"],
    [{ every: -5 }, "every"],
  ] as const)("refuses %j in the %s field", (spec, field) => {
    const base = "every" in spec ? {} : { schedule: "0 * * * *" };
    const error = thrown(() => scheduleOf({ ...base, ...spec }, "t")) as InvalidSchedule;
    expect(error).toBeInstanceOf(InvalidSchedule);
    expect(error._tag).toBe("InvalidSchedule");
    expect(error.field).toBe(field);
  });

  it("an unknown zone for every is InvalidTimezone", () => {
    expect(thrown(() => scheduleOf({ every: "1h", timezone: "Mars/Base" }, "t"))).toBeInstanceOf(
      InvalidTimezone,
    );
  });
});

describe("scheduleConfig / scheduleFromConfig", () => {
  it("stores only the keys that are set, and rebuilds the same ticks", () => {
    const plain = scheduleOf({ schedule: "0 * * * *", timezone: "UTC" }, "t");
    expect(scheduleConfig(plain)).toEqual({ schedule: "0 * * * *", timezone: "UTC" });
    const shaped = scheduleOf(
      { every: "15m", timezone: "UTC", jitter: "1m", startAt: T0 + MINUTE, endAt: T0 + DAY },
      "t",
    );
    const config = scheduleConfig(shaped);
    expect(config).toEqual({
      schedule: "every 15m",
      timezone: "UTC",
      every: 15 * MINUTE,
      jitter: MINUTE,
      startAt: "2026-01-05T00:01:00.000Z",
      endAt: "2026-01-06T00:00:00.000Z",
    });
    const rebuilt = scheduleFromConfig("t", JSON.parse(JSON.stringify(config)));
    expect(rebuilt?.nextN(0, 50)).toEqual(shaped.nextN(0, 50));
    expect(scheduleFromConfig("t", { schedule: null, timezone: null })).toBeUndefined();
    expect(sameSchedule(config, { ...config })).toBe(true);
    expect(sameSchedule(config, { ...config, jitter: 2 * MINUTE })).toBe(false);
    expect(sameSchedule({ schedule: "0 * * * *", timezone: "UTC" }, scheduleConfig(plain))).toBe(
      true,
    );
  });
});
