import { DatabaseLocked } from "./errors.js";
import type { SqliteStore } from "./SqliteStore.js";

/** How long one try waits inside SQLite (blocking the event loop) for another's lock. */
export const LOCK_TRY_MS = 5;

/** The pauses between tries, in ms: short at first (most locks are a commit long), then capped. */
const BACKOFF_MS = [5, 10, 20, 40, 80, 100] as const;

/**
 * Options of {@link LockWait}.
 *
 * @example
 * ```ts
 * const options: LockWaitOptions = { tryMs: 5, budgetMs: 5000 };
 * ```
 */
export interface LockWaitOptions {
  /** How long one try may wait inside SQLite. Default {@link LOCK_TRY_MS}; at most the budget. */
  readonly tryMs?: number;
  /** The whole wait before `DatabaseLocked`. Default: the store's `busyTimeoutMs`. */
  readonly budgetMs?: number;
  /** How to wait between tries. Default: `setTimeout` (real time, see below). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * How a writer that must not block the event loop waits for a SQLite lock held by another
 * process: each try lets SQLite wait only `tryMs` (a few ms, synchronously); between tries
 * it sleeps asynchronously with a growing backoff, so timers, nodes and heartbeats run;
 * after the budget (the store's `busyTimeoutMs`) the operation fails with the same
 * `DatabaseLocked` a synchronous caller would get.
 *
 * The pauses are real-time `setTimeout`s, not timers of the injected `Clock`: the lock is
 * held in real time by another process and SQLite's own busy wait is real time too; a
 * `TestClock` that a test advances by hand would freeze the retry (and the commit behind
 * it) until the test happened to advance it. No time is read: the budget is the sum of
 * the tries and pauses scheduled, so a loaded machine (late timers) waits a little longer
 * than the budget, never shorter.
 *
 * One `LockWait` belongs to one queue of writers: `waited` grows while that queue waits,
 * and every writer queued meanwhile spends its budget with it.
 *
 * @example
 * ```ts
 * const wait = new LockWait(store);
 * const mark = wait.waited;
 * for (let attempt = 0; ; attempt++) {
 *   try {
 *     return wait.once(() => store.transaction("write", write));
 *   } catch (error) {
 *     if (!isLocked(error) || wait.exhausted(mark)) throw wait.gaveUp(error);
 *     await wait.pause(attempt, mark);
 *   }
 * }
 * ```
 */
export class LockWait {
  readonly tryMs: number;
  readonly budgetMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  #waited = 0;

  constructor(
    readonly store: SqliteStore,
    options: LockWaitOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? store.busyTimeoutMs;
    this.tryMs = Math.min(options.tryMs ?? LOCK_TRY_MS, this.budgetMs);
    this.#sleep = options.sleep ?? realSleep;
  }

  /** The ms this queue has spent waiting for locks so far: a mark to measure a wait from. */
  get waited(): number {
    return this.#waited;
  }

  /** Runs `fn` once, SQLite waiting at most `tryMs` for a lock; throws as `fn` does. */
  once<T>(fn: () => T): T {
    return this.store.withBusyTimeout(this.tryMs, fn);
  }

  /** Whether a writer that began waiting at `mark` has used its whole budget. */
  exhausted(mark: number): boolean {
    return this.#waited - mark >= this.budgetMs;
  }

  /**
   * Sleeps the `attempt`-th backoff pause and counts it (and the try before it) as
   * waited. The pause is cut so that the writer that began waiting at `mark` makes its
   * last try when its budget is spent, not one long pause later.
   */
  async pause(attempt: number, mark: number): Promise<void> {
    const left = this.budgetMs - (this.#waited - mark) - this.tryMs;
    const backoff = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 100;
    const ms = Math.max(0, Math.min(backoff, left));
    this.#waited += this.tryMs + ms;
    await this.#sleep(ms);
  }

  /**
   * The error of a writer that gives up: a `DatabaseLocked` naming the whole budget it
   * waited (not one try's few ms); any other error unchanged.
   */
  gaveUp(error: unknown): unknown {
    if (!isLocked(error)) return error;
    return new DatabaseLocked({
      path: error.path,
      operation: error.operation,
      timeoutMs: this.budgetMs,
      cause: error.cause,
    });
  }
}

/**
 * Whether `error` is SQLite's "another connection holds the lock" (SQLITE_BUSY or
 * SQLITE_LOCKED), typed: the one failure worth waiting out.
 *
 * @example
 * ```ts
 * if (isLocked(error)) await wait.pause(attempt, mark);
 * ```
 */
export const isLocked = (error: unknown): error is DatabaseLocked =>
  error instanceof DatabaseLocked;
