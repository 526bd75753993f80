import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/schedule/Clock.js";
import { TestClock } from "../../src/schedule/TestClock.js";

describe("TestClock", () => {
  it("is a Clock that starts where told", () => {
    const clock: Clock = new TestClock(1234);
    expect(clock.now()).toBe(1234);
    expect(new TestClock().now()).toBe(0);
  });

  it("fires timers in due order, with now() at each due instant", async () => {
    const clock = new TestClock(0);
    const log: string[] = [];
    const arm = (name: string, at: number) =>
      clock.setTimer(at, () => log.push(`${name}@${clock.now()}`));
    arm("c", 300);
    arm("a", 100);
    arm("late", 5000);
    arm("b", 200);
    expect(clock.pendingTimers()).toBe(4);
    await clock.advance(1000);
    expect(log).toEqual(["a@100", "b@200", "c@300"]);
    expect(clock.now()).toBe(1000);
    expect(clock.pendingTimers()).toBe(1);
  });

  it("fires timers due at the same instant in arming order", async () => {
    const clock = new TestClock(0);
    const log: number[] = [];
    for (const i of [1, 2, 3]) clock.setTimer(50, () => log.push(i));
    await clock.advance(50);
    expect(log).toEqual([1, 2, 3]);
  });

  it("never fires inside setTimer, even when already due", async () => {
    const clock = new TestClock(100);
    let fired = 0;
    clock.setTimer(50, () => {
      fired++;
    });
    expect(fired).toBe(0);
    await clock.advance(0);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(100); // an overdue timer does not move time back
  });

  it("honours timers armed by async work a timer started, within the window", async () => {
    const clock = new TestClock(0);
    const log: number[] = [];
    const step = async () => {
      log.push(clock.now());
      for (let i = 0; i < 10; i++) await Promise.resolve(); // a promise chain before re-arming
      clock.setTimer(clock.now() + 100, () => void step());
    };
    clock.setTimer(100, () => void step());
    await clock.advance(450);
    expect(log).toEqual([100, 200, 300, 400]);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(100);
    expect(log).toEqual([100, 200, 300, 400, 500]);
  });

  it("settleTurns lets code that waits on setImmediate re-arm in time", async () => {
    const run = async (settleTurns: number) => {
      const clock = new TestClock(0, { settleTurns });
      const log: number[] = [];
      const step = async () => {
        log.push(clock.now());
        await Promise.resolve();
        await new Promise<void>((resolve) => setImmediate(resolve));
        clock.setTimer(clock.now() + 100, () => void step());
      };
      clock.setTimer(100, () => void step());
      await clock.advance(350);
      return log;
    };
    expect(await run(1)).toEqual([100]);
    expect(await run(2)).toEqual([100, 200, 300]);
    expect(() => new TestClock(0, { settleTurns: 0 })).toThrow(RangeError);
  });

  it("cancel removes a timer; cancelling after it fired is harmless", async () => {
    const clock = new TestClock(0);
    let fired = 0;
    const cancel = clock.setTimer(10, () => {
      fired++;
    });
    const keep = clock.setTimer(20, () => {
      fired += 10;
    });
    cancel();
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(30);
    expect(fired).toBe(10);
    keep();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("set moves to an absolute time and fires what is due", async () => {
    const clock = new TestClock(0);
    const log: number[] = [];
    clock.setTimer(1000, () => log.push(clock.now()));
    clock.setTimer(3000, () => log.push(clock.now()));
    await clock.set(2000);
    expect(log).toEqual([1000]);
    expect(clock.now()).toBe(2000);
    await clock.set(500); // back in time: nothing new is due
    expect(clock.now()).toBe(500);
    expect(log).toEqual([1000]);
  });

  it("jump moves time without firing anything", async () => {
    const clock = new TestClock(0);
    let fired = 0;
    clock.setTimer(100, () => {
      fired++;
    });
    clock.jump(10_000);
    expect(clock.now()).toBe(10_000);
    expect(fired).toBe(0);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(0); // the next run notices the overdue timer
    expect(fired).toBe(1);
    expect(clock.now()).toBe(10_000);
  });

  it("serialises overlapping advances", async () => {
    const clock = new TestClock(0);
    const log: number[] = [];
    clock.setTimer(150, () => log.push(clock.now()));
    const first = clock.advance(100);
    const second = clock.advance(100);
    await Promise.all([first, second]);
    expect(clock.now()).toBe(200);
    expect(log).toEqual([150]);
  });

  it("rejects nonsense", () => {
    const clock = new TestClock(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.setTimer(Number.NaN, () => {})).toThrow(RangeError);
  });
});
