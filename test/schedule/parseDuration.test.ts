import { describe, expect, it } from "vitest";
import { readDuration } from "../../src/schedule/parseDuration.js";

describe("readDuration", () => {
  it("reads a number and a unit, or units largest first, as milliseconds", () => {
    expect(readDuration("500ms")).toBe(500);
    expect(readDuration("90s")).toBe(90_000);
    expect(readDuration("30m")).toBe(1_800_000);
    expect(readDuration("30min")).toBe(1_800_000);
    expect(readDuration(" 1.5h ")).toBe(5_400_000);
    expect(readDuration("7d")).toBe(604_800_000);
    expect(readDuration("1h30m")).toBe(5_400_000);
    expect(readDuration("0s")).toBe(0);
  });

  it("is undefined for anything else", () => {
    for (const text of [
      "abc",
      "",
      "1",
      "h",
      "-1h",
      "1w",
      "1 fortnight",
      "30m1h",
      "15 m",
      "1.5h30m",
    ]) {
      expect(readDuration(text)).toBeUndefined();
    }
  });
});
