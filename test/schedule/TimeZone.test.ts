import { describe, expect, it } from "vitest";
import { InvalidTimezone } from "../../src/schedule/InvalidTimezone.js";
import { formatOffset, TimeZone } from "../../src/schedule/TimeZone.js";

const HOUR = 3_600_000;

describe("TimeZone", () => {
  const ny = TimeZone.of("America/New_York");

  it("is cached per name and rejects unknown names", () => {
    expect(TimeZone.of("America/New_York")).toBe(ny);
    expect(() => TimeZone.of("Nowhere/Special")).toThrow(InvalidTimezone);
  });

  it("reads offsets on both sides of a change, to the second", () => {
    const at = Date.UTC(2026, 2, 8, 7);
    expect(ny.offsetAt(at - 1000)).toBe(-5 * HOUR);
    expect(ny.offsetAt(at)).toBe(-4 * HOUR);
  });

  it("finds the year's transitions", () => {
    const spring = ny.transitionBetween(Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31));
    expect(spring).toEqual({
      at: Date.UTC(2026, 2, 8, 7),
      offsetBefore: -5 * HOUR,
      offsetAfter: -4 * HOUR,
    });
    const fall = ny.transitionBetween(Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 11, 31));
    expect(fall?.at).toBe(Date.UTC(2026, 10, 1, 6));
    expect(ny.lastTransitionAtOrBefore(Date.UTC(2027, 0, 10))?.at).toBe(Date.UTC(2026, 10, 1, 6));
    expect(ny.transitionBetween(Date.UTC(2026, 3, 1), Date.UTC(2026, 9, 1))).toBeUndefined();
  });

  it("finds a transition right at a year boundary's neighbourhood across years", () => {
    const from = Date.UTC(2025, 11, 1);
    expect(ny.transitionBetween(from, Date.UTC(2027, 0, 1))?.at).toBe(Date.UTC(2026, 2, 8, 7));
  });

  it("maps wall times to zero, one or two instants", () => {
    expect(ny.instantsOf(Date.UTC(2026, 2, 8, 2, 30))).toEqual([]);
    expect(ny.instantsOf(Date.UTC(2026, 2, 8, 3, 30))).toEqual([Date.UTC(2026, 2, 8, 7, 30)]);
    expect(ny.instantsOf(Date.UTC(2026, 10, 1, 1, 30))).toEqual([
      Date.UTC(2026, 10, 1, 5, 30),
      Date.UTC(2026, 10, 1, 6, 30),
    ]);
  });

  it("formats local time with its offset", () => {
    expect(ny.formatLocal(Date.UTC(2026, 10, 1, 5, 30))).toBe("2026-11-01T01:30:00-04:00");
    expect(ny.formatLocal(Date.UTC(2026, 10, 1, 6, 30))).toBe("2026-11-01T01:30:00-05:00");
    expect(TimeZone.of("UTC").formatLocal(0)).toBe("1970-01-01T00:00:00+00:00");
    expect(TimeZone.of("Asia/Kolkata").formatLocal(0)).toBe("1970-01-01T05:30:00+05:30");
    expect(formatOffset(-(9 * HOUR + 30 * 60_000))).toBe("-09:30");
  });
});
