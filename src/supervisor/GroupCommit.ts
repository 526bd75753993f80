/** One caller's writes waiting for the next flush. */
interface Request<W> {
  readonly writes: readonly W[];
  readonly revert: () => void;
  readonly label: string;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Batches the commits requested in one turn of the event loop into ONE transaction:
 * ticks that fall due together share one write-ahead commit (a thousand ledger rows
 * in one commit cost a few ms; a thousand commits cost far more).
 *
 * Each request brings its writes, a `revert` that undoes its in-memory change, and a
 * label (its trigger). A request whose writes do not commit is reverted (newest first)
 * and rejected with the error, so memory never runs ahead of the disk; see `flush` for
 * how one failing request is kept from sinking the rest of its batch.
 *
 * @example
 * ```ts
 * const group = new GroupCommit<TriggerWrite>((writes) => backend.commit("fire", writes, {}));
 * await group.commit([write], () => { live.snapshot = previous; }, "hourly_market");
 * ```
 */
export class GroupCommit<W> {
  #batch: { readonly requests: Request<W>[] } | undefined;

  /** Flushes whose transaction has not settled yet (PostgreSQL commits take a round trip). */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    readonly apply: (writes: readonly W[], labels: readonly string[]) => void | Promise<void>,
  ) {}

  /** Queues writes for the next flush; resolves once they are committed. */
  commit(writes: readonly W[], revert: () => void, label: string): Promise<void> {
    if (this.#batch === undefined) {
      this.#batch = { requests: [] };
      // setImmediate (not a timer of the clock): it only waits for the current turn's
      // other due triggers to add their writes; it reads no time.
      setImmediate(() => void this.flush());
    }
    const batch = this.#batch;
    return new Promise((resolve, reject) =>
      batch.requests.push({ writes, revert, label, resolve, reject }),
    );
  }

  /**
   * Commits what is queued now, in one transaction. If that fails and the batch holds
   * several requests, each is retried in its own transaction, in order, so one bad
   * request (a lock, a refused row) does not sink the others' work; once a label's
   * request fails, that label's later requests are refused too (they built on it), and
   * the failed ones are reverted newest first.
   */
  flush(): Promise<void> {
    const batch = this.#batch;
    if (batch === undefined) return Promise.resolve();
    this.#batch = undefined;
    const done = this.#commit(batch.requests).finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
    return done;
  }

  /** Flushes what is queued and waits until every transaction begun has settled. */
  async drain(): Promise<void> {
    await this.flush();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #commit(requests: readonly Request<W>[]): Promise<void> {
    try {
      await this.apply(
        requests.flatMap((request) => request.writes),
        [...new Set(requests.map((request) => request.label))],
      );
      for (const request of requests) request.resolve();
      return;
    } catch (error) {
      if (requests.length === 1) {
        requests[0]?.revert();
        requests[0]?.reject(error);
        return;
      }
    }
    const failed: { request: Request<W>; error: unknown }[] = [];
    const failedLabels = new Map<string, unknown>();
    for (const request of requests) {
      const earlier = failedLabels.get(request.label);
      if (failedLabels.has(request.label)) {
        failed.push({ request, error: earlier });
        continue;
      }
      try {
        await this.apply(request.writes, [request.label]);
      } catch (error) {
        failedLabels.set(request.label, error);
        failed.push({ request, error });
      }
    }
    for (const { request } of [...failed].reverse()) request.revert();
    const failedSet = new Set(failed.map((f) => f.request));
    for (const request of requests) if (!failedSet.has(request)) request.resolve();
    for (const { request, error } of failed) request.reject(error);
  }
}
