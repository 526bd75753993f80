import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/schedule/parseDuration.js";

describe("parseDuration", () => {
  it("reads a number and a unit as milliseconds", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("30min")).toBe(1_800_000);
    expect(parseDuration(" 1.5h ")).toBe(5_400_000);
    expect(parseDuration("7d")).toBe(604_800_000);
  });

  it("is undefined for anything else", () => {
    for (const text of ["abc", "", "1", "h", "-1h", "1w", "1 fortnight", "1h30m"]) {
      expect(parseDuration(text)).toBeUndefined();
    }
  });
});
