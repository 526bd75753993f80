import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMEOUT_MS, SystemClock } from "../../src/schedule/Clock.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Poll until `done()` (or give up after 3 s, loose for a busy machine). */
async function waitFor(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!done() && Date.now() < deadline) await sleep(10);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SystemClock", () => {
  it("reads Date.now()", () => {
    const before = Date.now();
    const now = new SystemClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("chunks a long wait and fires once, not before the due time", async () => {
    const clock = new SystemClock({ maxChunkMs: 50 });
    const spy = vi.spyOn(globalThis, "setTimeout");
    const atMs = Date.now() + 300;
    const fired: number[] = [];
    clock.setTimer(atMs, () => fired.push(Date.now()));
    await sleep(150);
    expect(fired).toEqual([]);
    await waitFor(() => fired.length > 0);
    await sleep(100); // and it does not fire again
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(atMs);
    expect(fired[0]).toBeLessThan(atMs + 1000);
    // Several chunks of at most 50 ms each were armed.
    const delays = spy.mock.calls.map((call) => call[1] ?? 0).filter((d) => d <= 50);
    expect(delays.length).toBeGreaterThanOrEqual(5);
  });

  it("never asks setTimeout for more than 2^31-1 ms", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const clock = new SystemClock({ maxChunkMs: MAX_TIMEOUT_MS });
    let fired = false;
    const cancel = clock.setTimer(Date.now() + 40 * 86_400_000, () => {
      fired = true;
    });
    await sleep(30);
    cancel();
    expect(fired).toBe(false);
    expect(spy.mock.calls[0]?.[1]).toBe(MAX_TIMEOUT_MS);
  });

  it("fires a past-due timer on a later turn, not inside setTimer", async () => {
    const clock = new SystemClock();
    let fired = 0;
    clock.setTimer(Date.now() - 1000, () => {
      fired++;
    });
    expect(fired).toBe(0);
    await waitFor(() => fired > 0);
    expect(fired).toBe(1);
  });

  it("cancel stops a pending timer, and is idempotent", async () => {
    const clock = new SystemClock({ maxChunkMs: 20 });
    let fired = false;
    const cancel = clock.setTimer(Date.now() + 400, () => {
      fired = true;
    });
    await sleep(30);
    cancel();
    cancel();
    await sleep(500);
    expect(fired).toBe(false);
  });

  it("re-arms when the wall clock jumped back while it slept", async () => {
    let skew = 0;
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + skew);
    const clock = new SystemClock({ maxChunkMs: 20 });
    const start = realNow();
    const atMs = clock.now() + 300;
    let firedAtReal: number | undefined;
    let firedAtClock: number | undefined;
    clock.setTimer(atMs, () => {
      firedAtReal = realNow();
      firedAtClock = clock.now();
    });
    await sleep(40);
    skew = -300; // the wall clock jumps back 300 ms
    await waitFor(() => firedAtClock !== undefined);
    expect(firedAtClock).toBeGreaterThanOrEqual(atMs);
    // Due at 300 ms on the old clock, 600 ms in real time after the jump.
    expect((firedAtReal as number) - start).toBeGreaterThanOrEqual(590);
  });

  it("fires on the next wake when the wall clock jumped forward", async () => {
    let skew = 0;
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + skew);
    const clock = new SystemClock({ maxChunkMs: 20 });
    const start = realNow();
    let firedAfter: number | undefined;
    clock.setTimer(clock.now() + 3_600_000, () => {
      firedAfter = realNow() - start;
    });
    await sleep(30);
    expect(firedAfter).toBeUndefined();
    skew = 3_600_000; // an hour passes in an instant (a suspended laptop wakes up)
    await waitFor(() => firedAfter !== undefined);
    expect(firedAfter).toBeDefined();
    expect(firedAfter).toBeLessThan(3_000);
  });

  it("keeps timers ref'd by default and can unref them", () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const cancelRef = new SystemClock().setTimer(Date.now() + 10_000, () => {});
    const cancelUnref = new SystemClock({ unref: true }).setTimer(Date.now() + 10_000, () => {});
    const [ref, unref] = spy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(ref?.hasRef()).toBe(true);
    expect(unref?.hasRef()).toBe(false);
    cancelRef();
    cancelUnref();
  });

  it("rejects a bad maxChunkMs or atMs", () => {
    expect(() => new SystemClock({ maxChunkMs: 0 })).toThrow(RangeError);
    expect(() => new SystemClock({ maxChunkMs: MAX_TIMEOUT_MS + 1 })).toThrow(RangeError);
    expect(() => new SystemClock().setTimer(Number.NaN, () => {})).toThrow(RangeError);
  });
});
