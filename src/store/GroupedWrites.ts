import * as Effect from "effect/Effect";
import { isStoreFailure, StoreError, type StoreFailure } from "./errors.js";
import type { SqliteStore } from "./SqliteStore.js";

interface Pending {
  readonly operation: string;
  readonly write: () => void;
  readonly done: (failure: StoreFailure | undefined) => void;
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
 * @example
 * ```ts
 * const writes = new GroupedWrites(store);
 * yield* writes.write("record run start", () => store.run("insert run", sql, params));
 * ```
 */
export class GroupedWrites {
  #pending: Pending[] = [];

  constructor(readonly store: SqliteStore) {}

  /**
   * Queues `write` (synchronous SQL through the store) for this turn's transaction; the
   * Effect succeeds once it is committed, or fails with the store's typed error (the
   * write's own, or the transaction's).
   */
  write(operation: string, write: () => void): Effect.Effect<void, StoreFailure> {
    return Effect.async<void, StoreFailure>((resume) => {
      if (this.#pending.length === 0) setImmediate(() => this.flush());
      this.#pending.push({
        operation,
        write,
        done: (failure) => resume(failure === undefined ? Effect.void : Effect.fail(failure)),
      });
    });
  }

  /** Commits what is queued now (also called by the turn's scheduled flush). */
  flush(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const [only] = batch;
    if (only !== undefined && batch.length === 1) {
      // Alone in its turn: its own transaction, exactly as an unbatched write.
      let failure: StoreFailure | undefined;
      try {
        this.store.transaction(only.operation, only.write);
      } catch (cause) {
        failure = this.#failure(only.operation, cause);
      }
      only.done(failure);
      return;
    }
    const failures = new Map<Pending, StoreFailure>();
    try {
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
    } catch (cause) {
      for (const item of batch)
        item.done(failures.get(item) ?? this.#failure(item.operation, cause));
      return;
    }
    for (const item of batch) item.done(failures.get(item));
  }

  #failure(operation: string, cause: unknown): StoreFailure {
    return isStoreFailure(cause)
      ? cause
      : new StoreError({ operation, path: this.store.path, cause });
  }
}
