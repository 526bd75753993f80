import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../../src/run/retryDelay.js";

describe("retryDelayMs", () => {
  it("waits backoffMs before the first retry", () => {
    expect(retryDelayMs({ attempts: 5, backoffMs: 250 }, 1)).toBe(250);
  });

  it("doubles by default", () => {
    const policy = { attempts: 6, backoffMs: 100 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n))).toEqual([100, 200, 400, 800, 1600]);
  });

  it("grows by the given factor", () => {
    const policy = { attempts: 4, backoffMs: 10, factor: 3 };
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n))).toEqual([10, 30, 90]);
  });

  it("never waits longer than maxBackoffMs", () => {
    const policy = { attempts: 10, backoffMs: 100, maxBackoffMs: 500 };
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(policy, n))).toEqual([
      100, 200, 400, 500, 500, 500,
    ]);
  });

  it("defaults to 100 ms, factor 2, capped at 10 s", () => {
    const policy = { attempts: 20 };
    expect(retryDelayMs(policy, 1)).toBe(100);
    expect(retryDelayMs(policy, 2)).toBe(200);
    expect(retryDelayMs(policy, 7)).toBe(6400);
    expect(retryDelayMs(policy, 8)).toBe(10_000);
    expect(retryDelayMs(policy, 19)).toBe(10_000);
  });

  it("keeps a constant delay with factor 1", () => {
    const policy = { attempts: 5, backoffMs: 50, factor: 1 };
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n))).toEqual([50, 50, 50]);
  });

  it("treats a retry number below 1 as the first retry", () => {
    expect(retryDelayMs({ attempts: 3, backoffMs: 100 }, 0)).toBe(100);
  });
});
