/**
 * The only way tickflow reads time or waits: `SystemClock` in production, `TestClock` in
 * tests. Everything else takes instants as arguments.
 *
 * @example
 * ```ts
 * const cancel = clock.setTimer(clock.now() + 1000, () => console.log("a second later"));
 * cancel(); // changed our mind
 * ```
 */
export interface Clock {
  /** Current wall-clock time, epoch ms. */
  now(): number;
  /**
   * Call `callback` once, as soon as `now() >= atMs` (on a later turn, never inside this
   * call). Returns a function that cancels it; cancelling twice or after firing is a no-op.
   */
  setTimer(atMs: number, callback: () => void): () => void;
}

/**
 * The longest delay `setTimeout` honours (2^31−1 ms, ~24.8 days); a longer one fires at once.
 *
 * @example
 * ```ts
 * new SystemClock({ maxChunkMs: MAX_TIMEOUT_MS }); // wake only when Node forces it
 * ```
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Options of {@link SystemClock}.
 *
 * @example
 * ```ts
 * const options: SystemClockOptions = { unref: true, maxChunkMs: 30_000 };
 * ```
 */
export interface SystemClockOptions {
  /**
   * Let pending timers not keep the process alive. Default `false`: a supervisor's next
   * tick must keep it running.
   */
  readonly unref?: boolean;
  /**
   * Longest single `setTimeout` (1 … {@link MAX_TIMEOUT_MS}); longer waits are cut into
   * chunks and the wall clock is read again after each. Default 60 000: after a suspend or
   * a forward clock jump, a due timer is at most a minute late.
   */
  readonly maxChunkMs?: number;
}

/**
 * Real time: `Date.now()` and `setTimeout`. Waits are chunked so no delay exceeds
 * `setTimeout`'s limit, and every wake re-reads the wall clock: woken early (the clock
 * jumped back) it waits again, woken late (sleep, a jump forward) it fires at once.
 *
 * @example
 * ```ts
 * const clock = new SystemClock();
 * clock.setTimer(Date.parse("2026-01-01T00:00:00Z"), () => console.log("happy new year"));
 * ```
 */
export class SystemClock implements Clock {
  readonly #unref: boolean;
  readonly #maxChunkMs: number;

  constructor(options: SystemClockOptions = {}) {
    const maxChunkMs = options.maxChunkMs ?? 60_000;
    if (!Number.isInteger(maxChunkMs) || maxChunkMs < 1 || maxChunkMs > MAX_TIMEOUT_MS) {
      throw new RangeError(
        `SystemClock: maxChunkMs must be an integer in 1-${MAX_TIMEOUT_MS}, got ${maxChunkMs}`,
      );
    }
    this.#unref = options.unref ?? false;
    this.#maxChunkMs = maxChunkMs;
  }

  /**
   * `Date.now()`.
   *
   * @example
   * ```ts
   * new SystemClock().now(); // e.g. 1767225600000
   * ```
   */
  now(): number {
    return Date.now();
  }

  /**
   * See {@link Clock.setTimer}. `atMs` may be in the past (fires on the next turn) or
   * `Infinity` (never fires).
   *
   * @example
   * ```ts
   * const cancel = new SystemClock().setTimer(Date.now() + 500, () => console.log("tick"));
   * ```
   */
  setTimer(atMs: number, callback: () => void): () => void {
    if (Number.isNaN(atMs)) throw new RangeError("SystemClock.setTimer: atMs is NaN");
    let handle: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const arm = () => {
      const wait = Math.min(Math.max(atMs - Date.now(), 0), this.#maxChunkMs);
      handle = setTimeout(wake, wait);
      if (this.#unref) handle.unref();
    };
    const wake = () => {
      handle = undefined;
      if (done) return;
      // Trust the wall clock, not the timer: it may have jumped while we slept.
      if (Date.now() >= atMs) {
        done = true;
        callback();
      } else {
        arm();
      }
    };
    arm();
    return () => {
      done = true;
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    };
  }
}
