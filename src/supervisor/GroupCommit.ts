/**
 * Batches the commits requested in one turn of the event loop into ONE transaction:
 * ticks that fall due together share one write-ahead commit (a thousand ledger rows
 * in one commit cost a few ms; a thousand commits cost far more).
 *
 * Each request brings its writes, a `revert` that undoes its in-memory change, and a
 * label (its trigger). If the transaction fails, every request of the batch is reverted
 * (newest first) and rejected with the error, so memory never runs ahead of the disk.
 *
 * @example
 * ```ts
 * const group = new GroupCommit<TriggerWrite>((writes) => store.commit("fire", writes));
 * await group.commit([write], () => { live.snapshot = previous; }, "hourly_market");
 * ```
 */
export class GroupCommit<W> {
  #batch:
    | {
        readonly writes: W[];
        readonly labels: Set<string>;
        readonly reverts: (() => void)[];
        readonly waiters: { resolve: () => void; reject: (e: unknown) => void }[];
      }
    | undefined;

  constructor(readonly apply: (writes: readonly W[], labels: readonly string[]) => void) {}

  /** Queues writes for the next flush; resolves once they are committed. */
  commit(writes: readonly W[], revert: () => void, label: string): Promise<void> {
    if (this.#batch === undefined) {
      this.#batch = { writes: [], labels: new Set(), reverts: [], waiters: [] };
      // setImmediate (not a timer of the clock): it only waits for the current turn's
      // other due triggers to add their writes; it reads no time.
      setImmediate(() => this.flush());
    }
    const batch = this.#batch;
    batch.writes.push(...writes);
    batch.labels.add(label);
    batch.reverts.push(revert);
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  /** Commits what is queued now. */
  flush(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    try {
      this.apply(batch.writes, [...batch.labels]);
    } catch (error) {
      for (const revert of [...batch.reverts].reverse()) revert();
      for (const waiter of batch.waiters) waiter.reject(error);
      return;
    }
    for (const waiter of batch.waiters) waiter.resolve();
  }
}
