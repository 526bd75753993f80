import * as Effect from "effect/Effect";
import { isStoreFailure, StoreError, type StoreFailure } from "./errors.js";
import type { PgQueryable, PgStore } from "./PgStore.js";

/**
 * A check a write must pass first, in its transaction (the run history's lease fence).
 * `onBatch`, when given, checks the guards of a whole group transaction in one go.
 */
export interface PgWriteGuard {
  readonly onTransaction: (tx: PgQueryable) => Promise<void>;
  readonly onBatch?: (tx: PgQueryable, guards: readonly PgWriteGuard[]) => Promise<void>;
}

interface Pending {
  readonly operation: string;
  readonly write: (tx: PgQueryable) => Promise<void>;
  readonly guard: PgWriteGuard | undefined;
  readonly done: (failure: StoreFailure | undefined) => void;
}

/**
 * Group commit for the run history on PostgreSQL, as `GroupedWrites` is on SQLite: the
 * writes requested in one turn of the event loop (the runs of one second's ticks, or the
 * fires in flight at once) share ONE transaction, so they share its BEGIN, COMMIT and WAL
 * flush instead of paying one each. Each writer still goes on only after the COMMIT that
 * holds its write. If the shared transaction fails, each write is tried again alone, in
 * order, so one bad write fails only its own writer.
 *
 * @example
 * ```ts
 * const writes = new PgGroupedWrites(pg);
 * yield* writes.write("record run start", (tx) => tx.query("insert run", sql, params).then(() => {}));
 * ```
 */
export class PgGroupedWrites {
  #pending: Pending[] = [];

  constructor(readonly store: PgStore) {}

  /**
   * Queues `write` for this turn's transaction, after `guard` (checked first in that
   * transaction); succeeds once it is committed.
   */
  write(
    operation: string,
    write: (tx: PgQueryable) => Promise<void>,
    guard?: PgWriteGuard,
  ): Effect.Effect<void, StoreFailure> {
    return Effect.async<void, StoreFailure>((resume) => {
      if (this.#pending.length === 0) setImmediate(() => void this.flush());
      this.#pending.push({
        operation,
        write,
        guard,
        done: (failure) => resume(failure === undefined ? Effect.void : Effect.fail(failure)),
      });
    });
  }

  /** The guards of a batch, checked once each (or all at once), before any write. */
  async #checkGuards(tx: PgQueryable, batch: readonly Pending[]): Promise<void> {
    const guards = [...new Set(batch.flatMap((item) => (item.guard ? [item.guard] : [])))];
    const [first] = guards;
    if (first === undefined) return;
    if (first.onBatch !== undefined) return first.onBatch(tx, guards);
    for (const guard of guards) await guard.onTransaction(tx);
  }

  /** Commits what is queued now (also called by the turn's scheduled flush). */
  async flush(): Promise<void> {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    if (batch.length > 1) {
      try {
        await this.store.transaction("record runs", async (tx) => {
          await this.#checkGuards(tx, batch);
          for (const item of batch) await item.write(tx);
        });
        for (const item of batch) item.done(undefined);
        return;
      } catch {
        // Fall through: each alone, so only the bad one fails.
      }
    }
    for (const item of batch) {
      try {
        await this.store.transaction(item.operation, async (tx) => {
          await item.guard?.onTransaction(tx);
          await item.write(tx);
        });
        item.done(undefined);
      } catch (cause) {
        item.done(
          isStoreFailure(cause)
            ? cause
            : new StoreError({ operation: item.operation, path: this.store.location, cause }),
        );
      }
    }
  }
}
