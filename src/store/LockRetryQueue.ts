import { isLocked, LockWait, type LockWaitOptions } from "./LockWait.js";
import type { SqliteStore } from "./SqliteStore.js";

/**
 * Runs synchronous store operations in the order they are asked for, waiting out another
 * process's lock asynchronously (see {@link LockWait}) instead of inside SQLite.
 *
 * While nothing waits, an operation runs at once, in the caller's turn, exactly as a
 * plain synchronous call (its promise is already settled). Once one meets a lock, it and
 * every operation asked for after it queue up and run in order when the lock is gone:
 * a read never overtakes a write asked for before it, and commits land in the order the
 * caller made them (the same order the synchronous calls had). Each operation gives up
 * with `DatabaseLocked` once it has waited its budget, counting the time spent queued.
 *
 * @example
 * ```ts
 * const queue = new LockRetryQueue(store);
 * await queue.run("record fire", () => store.transaction("record fire", write));
 * ```
 */
export class LockRetryQueue {
  readonly #wait: LockWait;
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;

  constructor(store: SqliteStore, options: LockWaitOptions = {}) {
    this.#wait = new LockWait(store, options);
  }

  /** How many operations are waiting for a lock now (0 when calls run at once). */
  get queued(): number {
    return this.#queued;
  }

  /** Runs `fn` now, or after the operations queued before it; settles with its result. */
  run<T>(fn: () => T): Promise<T> {
    if (this.#queued > 0) return this.#enqueue(fn, this.#wait.waited, 0);
    const mark = this.#wait.waited;
    try {
      return Promise.resolve(this.#wait.once(fn));
    } catch (error) {
      return isLocked(error) ? this.#enqueue(fn, mark, 1) : Promise.reject(error);
    }
  }

  #enqueue<T>(fn: () => T, mark: number, tried: number): Promise<T> {
    this.#queued += 1;
    const result = this.#tail.then(() => this.#retry(fn, mark, tried));
    this.#tail = result.then(
      () => {
        this.#queued -= 1;
      },
      () => {
        this.#queued -= 1;
      },
    );
    return result;
  }

  async #retry<T>(fn: () => T, mark: number, tried: number): Promise<T> {
    for (let attempt = tried; ; attempt++) {
      if (attempt > 0) await this.#wait.pause(attempt - 1, mark);
      try {
        return this.#wait.once(fn);
      } catch (error) {
        if (!isLocked(error) || this.#wait.exhausted(mark)) throw this.#wait.gaveUp(error);
      }
    }
  }
}
