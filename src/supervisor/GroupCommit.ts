/**
 * Batches the commits requested in one turn of the event loop into ONE transaction:
 * ticks that fall due together share one write-ahead commit (a thousand ledger rows
 * in one commit cost a few ms; a thousand commits cost far more).
 *
 * Each request brings its writes and a `revert` that undoes its in-memory change; if
 * the transaction fails, every request of the batch is reverted (newest first) and
 * rejected with the error, so memory never runs ahead of the disk.
 *
 * @example
 * ```ts
 * const group = new GroupCommit<TriggerWrite>((writes) => store.commit("fire", writes));
 * await group.commit([write], () => { live.snapshot = previous; });
 * ```
 */
export class GroupCommit<W> {
  #batch:
    | {
        writes: W[];
        reverts: (() => void)[];
        waiters: { resolve: () => void; reject: (e: unknown) => void }[];
      }
    | undefined;

  constructor(readonly apply: (writes: readonly W[]) => void) {}

  /** Queues writes for the next flush; resolves once they are committed. */
  commit(writes: readonly W[], revert: () => void): Promise<void> {
    if (this.#batch === undefined) {
      this.#batch = { writes: [], reverts: [], waiters: [] };
      // setImmediate (not a timer of the clock): it only waits for the current turn's
      // other due triggers to add their writes; it reads no time.
      setImmediate(() => this.flush());
    }
    const batch = this.#batch;
    batch.writes.push(...writes);
    batch.reverts.push(revert);
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  /** Commits what is queued now. */
  flush(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    try {
      this.apply(batch.writes);
    } catch (error) {
      for (const revert of [...batch.reverts].reverse()) revert();
      for (const waiter of batch.waiters) waiter.reject(error);
      return;
    }
    for (const waiter of batch.waiters) waiter.resolve();
  }
}
