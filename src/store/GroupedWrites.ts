import * as Effect from "effect/Effect";
import {
  type DatabaseLocked,
  DiskFull,
  isStoreFailure,
  StoreError,
  type StoreFailure,
} from "./errors.js";
import { isLocked, LockWait, type LockWaitOptions } from "./LockWait.js";
import type { SqliteStore } from "./SqliteStore.js";

interface Pending {
  readonly operation: string;
  readonly write: () => void;
  readonly done: (failure: StoreFailure | undefined) => void;
  /** `LockWait.waited` when it was queued: its lock budget is measured from there. */
  readonly mark: number;
}

/**
 * Group commit for writers that each need their write on disk before they go on (the
 * run history: a node's start must be committed before its function is called). Writes
 * requested in one turn of the event loop — a thousand runs started by the same second's
 * ticks — commit in ONE transaction, each in its own savepoint: a write that fails rolls
 * back only itself and fails only its own writer — unless SQLite rolled back the whole
 * transaction (a full disk), then every writer of the batch fails with that cause. A lone writer still gets its commit
 * on the next turn, in the order requested.
 *
 * Another process's lock is waited out asynchronously (see {@link LockWait}): a batch
 * that cannot begin its transaction goes back to the queue, writes asked for meanwhile
 * join it, and it is tried again after a pause; a writer that has waited the store's
 * `busyTimeoutMs` fails with `DatabaseLocked`. The event loop (the nodes of every other
 * run, the supervisor's timers) keeps running while the lock is held.
 *
 * @example
 * ```ts
 * const writes = new GroupedWrites(store);
 * yield* writes.write("record run start", () => store.run("insert run", sql, params));
 * ```
 */
export class GroupedWrites {
  #pending: Pending[] = [];
  readonly #wait: LockWait;
  /** Backoff pauses since the last commit that got the lock; set while a retry is due. */
  #lockedTries = 0;
  #retryDue = false;

  constructor(
    readonly store: SqliteStore,
    options: LockWaitOptions = {},
  ) {
    this.#wait = new LockWait(store, options);
  }

  /**
   * Queues `write` (synchronous SQL through the store) for this turn's transaction; the
   * Effect succeeds once it is committed, or fails with the store's typed error (the
   * write's own, or the transaction's).
   */
  write(operation: string, write: () => void): Effect.Effect<void, StoreFailure> {
    return Effect.async<void, StoreFailure>((resume) => {
      // While a lock is waited out, the pending retry flushes this write with the rest.
      if (this.#pending.length === 0 && !this.#retryDue) setImmediate(() => this.flush());
      this.#pending.push({
        operation,
        write,
        mark: this.#wait.waited,
        done: (failure) => resume(failure === undefined ? Effect.void : Effect.fail(failure)),
      });
    });
  }

  /** Commits what is queued now (also called by the turn's scheduled flush). */
  flush(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const failures = new Map<Pending, StoreFailure>();
    try {
      this.#wait.once(() => this.#commit(batch, failures));
    } catch (cause) {
      if (isLocked(cause)) {
        this.#waitForLock(batch, cause);
        return;
      }
      for (const item of batch) item.done(failures.get(item) ?? this.#batchFailure(item, cause));
      return;
    }
    this.#lockedTries = 0;
    for (const item of batch) item.done(failures.get(item));
  }

  /**
   * The batch's transaction could not get the lock (nothing of it ran): writers that
   * have waited their budget fail, the others go back to the front of the queue and are
   * tried again after a pause.
   */
  #waitForLock(batch: readonly Pending[], cause: DatabaseLocked): void {
    const waiting = batch.filter((item) => !this.#wait.exhausted(item.mark));
    for (const item of batch) {
      if (!waiting.includes(item)) item.done(this.#wait.gaveUp(cause) as StoreFailure);
    }
    this.#pending = [...waiting, ...this.#pending];
    if (this.#pending.length === 0) {
      this.#lockedTries = 0;
      return;
    }
    this.#retryDue = true;
    const oldest = Math.min(...this.#pending.map((item) => item.mark));
    void this.#wait.pause(this.#lockedTries++, oldest).then(() => {
      this.#retryDue = false;
      this.flush();
    });
  }

  /** One transaction for the batch; records the failures of single writes in `failures`. */
  #commit(batch: readonly Pending[], failures: Map<Pending, StoreFailure>): void {
    const [only] = batch;
    if (only !== undefined && batch.length === 1) {
      // Alone in its turn: its own transaction, exactly as an unbatched write.
      this.store.transaction(only.operation, only.write);
      return;
    }
    // First all together, without a savepoint each (two statements per write saved): the
    // usual case. If one write fails, all of it is rolled back and the batch is written
    // again below, each write in its savepoint, so only the failing writer fails.
    let failed = false;
    try {
      this.store.transaction("record runs", () => {
        for (const item of batch) {
          try {
            item.write();
          } catch (cause) {
            failed = true;
            throw cause;
          }
        }
      });
    } catch (cause) {
      // BEGIN or COMMIT failed (a lock, a full disk): the batch's failure, as before.
      if (!failed) throw cause;
    }
    if (!failed) return;
    this.store.transaction("record runs", () => {
      for (const item of batch) {
        try {
          // Nested: a savepoint, so its failure undoes only its own rows.
          this.store.transaction(item.operation, item.write);
        } catch (cause) {
          const failure = this.#failure(item.operation, cause);
          // SQLite may roll back the whole transaction on such an error (SQLITE_FULL
          // does): the earlier items' rows are gone, and the next items would each
          // commit alone, then COMMIT fails with "no transaction is active" and every
          // writer hears a generic error, even those whose rows are on disk. Fail the
          // whole batch with the cause, so each writer sees the truth (DiskFull: resume
          // later) and nothing of it is committed.
          if (!this.store.inTransaction) throw failure;
          failures.set(item, failure);
        }
      }
    });
  }

  /**
   * What a writer hears when the whole batch failed: the cause — a full disk named by the
   * writer's own operation (its rows were rolled back with the batch even when another
   * writer's row hit the cap), so its run reports which of its writes was lost.
   */
  #batchFailure(item: Pending, cause: unknown): StoreFailure {
    if (cause instanceof DiskFull && cause.operation !== item.operation) {
      return new DiskFull({ path: cause.path, operation: item.operation, cause: cause.cause });
    }
    return this.#failure(item.operation, cause);
  }

  #failure(operation: string, cause: unknown): StoreFailure {
    return isStoreFailure(cause)
      ? cause
      : new StoreError({ operation, path: this.store.path, cause });
  }
}
