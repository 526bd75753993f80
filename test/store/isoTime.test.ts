import { expect, it } from "vitest";
import { isoTime } from "../../src/store/isoTime.js";

it("gives toISOString's text for each instant, the same one asked twice included, and throws as it does for an invalid one", () => {
  for (const ms of [0, 0, 1_700_000_000_123, 1_700_000_000_123, -1, 8.64e15]) {
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  }
  expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  expect(isoTime(5)).toBe("1970-01-01T00:00:00.005Z");
});
