import type { Clock } from "./Clock.js";

interface PendingTimer {
  readonly atMs: number;
  /** Arming order: breaks ties between timers due at the same instant. */
  readonly seq: number;
  readonly callback: () => void;
}

/** One macrotask turn: microtasks drain first, then already-queued immediates run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Options of {@link TestClock}.
 *
 * @example
 * ```ts
 * new TestClock(0, { settleTurns: 3 });
 * ```
 */
export interface TestClockOptions {
  /**
   * Macrotask turns (`setImmediate`) awaited before the first timer of a run and after each
   * timer, so work a timer starts can arm follow-up timers. Default 1, enough for promise
   * chains; raise it for code that itself waits on `setImmediate`.
   */
  readonly settleTurns?: number;
}

/**
 * Manual time for tests. Nothing happens until the test moves time: `advance` and `set`
 * fire due timers one by one in due order (ties in arming order), each with `now()` at its
 * due instant, with a macrotask turn between timers so code a timer starts can arm new
 * timers, which fire too if due within the window (see {@link TestClockOptions}). `jump`
 * moves time and runs nothing, as a wall-clock jump would.
 *
 * @example
 * ```ts
 * const clock = new TestClock(0);
 * clock.setTimer(1000, () => console.log(clock.now())); // 1000
 * await clock.advance(5000);
 * ```
 */
export class TestClock implements Clock {
  #now: number;
  readonly #settleTurns: number;
  #seq = 0;
  readonly #timers = new Set<PendingTimer>();
  /** Runs of `advance`/`set` are serialised so they never interleave. */
  #running: Promise<void> = Promise.resolve();

  constructor(startMs = 0, options: TestClockOptions = {}) {
    const settleTurns = options.settleTurns ?? 1;
    if (!Number.isInteger(settleTurns) || settleTurns < 1) {
      throw new RangeError(`TestClock: settleTurns must be an integer >= 1, got ${settleTurns}`);
    }
    this.#now = startMs;
    this.#settleTurns = settleTurns;
  }

  /**
   * The manual current time, epoch ms.
   *
   * @example
   * ```ts
   * new TestClock(42).now(); // 42
   * ```
   */
  now(): number {
    return this.#now;
  }

  /**
   * Arm a timer; it fires during a later `advance`/`set` that reaches `atMs` (a past `atMs`
   * fires on the next `advance(0)`).
   *
   * @example
   * ```ts
   * const cancel = clock.setTimer(clock.now() + 10, () => {});
   * cancel();
   * ```
   */
  setTimer(atMs: number, callback: () => void): () => void {
    if (Number.isNaN(atMs)) throw new RangeError("TestClock.setTimer: atMs is NaN");
    const timer: PendingTimer = { atMs, seq: this.#seq++, callback };
    this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }

  /**
   * Move time forward by `ms`, firing every timer due on the way.
   *
   * @example
   * ```ts
   * await clock.advance(60_000);
   * ```
   */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`TestClock.advance: ms must be >= 0, got ${ms}`);
    return this.#enqueue(() => this.#now + ms);
  }

  /**
   * Set time to `ms`, firing every timer due by then. Setting it back fires nothing new
   * beyond timers already due.
   *
   * @example
   * ```ts
   * await clock.set(Date.UTC(2026, 0, 1));
   * ```
   */
  set(ms: number): Promise<void> {
    if (Number.isNaN(ms)) throw new RangeError("TestClock.set: ms is NaN");
    return this.#enqueue(() => ms);
  }

  /**
   * Set time to `ms` without firing anything: a wall-clock jump (NTP, a suspended laptop).
   *
   * @example
   * ```ts
   * clock.jump(clock.now() - 3_600_000); // the clock jumped back an hour
   * ```
   */
  jump(ms: number): void {
    if (Number.isNaN(ms)) throw new RangeError("TestClock.jump: ms is NaN");
    this.#now = ms;
  }

  /**
   * How many timers are armed and neither fired nor cancelled.
   *
   * @example
   * ```ts
   * clock.pendingTimers(); // 0
   * ```
   */
  pendingTimers(): number {
    return this.#timers.size;
  }

  #enqueue(target: () => number): Promise<void> {
    // The target is read when this run starts, so a queued `advance` adds to the time
    // reached by the run before it.
    const run = this.#running.then(() => this.#runUntil(target()));
    this.#running = run.catch(() => {});
    return run;
  }

  async #runUntil(target: number): Promise<void> {
    // Let work already in flight arm its timers before we look.
    await this.#settle();
    for (;;) {
      const timer = this.#earliestDue(target);
      if (timer === undefined) break;
      this.#timers.delete(timer);
      // Overdue timers fire at the current time; time never moves back here.
      this.#now = Math.max(this.#now, timer.atMs);
      timer.callback();
      await this.#settle();
    }
    this.#now = target;
  }

  async #settle(): Promise<void> {
    for (let i = 0; i < this.#settleTurns; i++) await turn();
  }

  #earliestDue(target: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.atMs > target) continue;
      if (
        best === undefined ||
        timer.atMs < best.atMs ||
        (timer.atMs === best.atMs && timer.seq < best.seq)
      ) {
        best = timer;
      }
    }
    return best;
  }
}
