/**
 * A request's writes: given, or made from the batch's instant (`at`, read once when the
 * batch commits, so rows stamped with it say when the write-ahead happened, not when the
 * request was queued).
 */
export type BatchWrites<W> = readonly W[] | ((at: number) => readonly W[]);

/** One caller's writes waiting for the next flush. */
interface Request<W> {
  readonly writes: BatchWrites<W>;
  readonly revert: () => void;
  readonly label: string;
  /** Run synchronously once the batch is on disk, before any promise of it settles. */
  readonly committed: ((at: number) => void) | undefined;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Batches the commits requested in one turn of the event loop into ONE transaction:
 * ticks that fall due together share one write-ahead commit (a thousand ledger rows
 * in one commit cost a few ms; a thousand commits cost far more).
 *
 * Each request brings its writes (or how to make them from the batch's instant), a
 * `revert` that undoes its in-memory change, a label (its trigger) and, optionally, what
 * to do once they are committed. Those `committed` callbacks of a batch run one after
 * another in one synchronous loop as soon as the transaction returns, so a thousand due
 * ticks start their runs at once, not each behind the others' promise continuations. A request whose writes do not commit is reverted (newest first)
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

  /**
   * `now`: the clock read once per batch, just before its writes are made and committed
   * (the instant handed to write builders and `committed` callbacks).
   */
  constructor(
    readonly apply: (writes: readonly W[], labels: readonly string[]) => void | Promise<void>,
    readonly now: () => number,
  ) {}

  /**
   * Queues writes for the next flush; resolves once they are committed (after
   * `committed`, if given, ran with the batch's instant; if it throws, the promise
   * rejects with that error, the writes staying committed).
   */
  commit(
    writes: BatchWrites<W>,
    revert: () => void,
    label: string,
    committed?: (at: number) => void,
  ): Promise<void> {
    if (this.#batch === undefined) {
      this.#batch = { requests: [] };
      // setImmediate (not a timer of the clock): it only waits for the current turn's
      // other due triggers to add their writes; it reads no time.
      setImmediate(() => void this.flush());
    }
    const batch = this.#batch;
    return new Promise((resolve, reject) =>
      batch.requests.push({ writes, revert, label, committed, resolve, reject }),
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
    const at = this.now();
    const failed = new Map<Request<W>, unknown>();
    const failedLabels = new Map<string, unknown>();
    const fail = (request: Request<W>, error: unknown) => {
      if (!failedLabels.has(request.label)) failedLabels.set(request.label, error);
      failed.set(request, error);
    };
    // The writes are made now, after the instant is read; a request whose writes cannot
    // be made fails alone (with its label's later requests).
    const built: { readonly request: Request<W>; readonly writes: readonly W[] }[] = [];
    for (const request of requests) {
      if (failedLabels.has(request.label)) {
        failed.set(request, failedLabels.get(request.label));
        continue;
      }
      try {
        const writes = typeof request.writes === "function" ? request.writes(at) : request.writes;
        built.push({ request, writes });
      } catch (error) {
        fail(request, error);
      }
    }
    try {
      if (built.length > 0) {
        await this.apply(
          built.flatMap((b) => b.writes),
          [...new Set(built.map((b) => b.request.label))],
        );
      }
    } catch (error) {
      if (built.length === 1) fail((built[0] as (typeof built)[number]).request, error);
      else {
        for (const { request, writes } of built) {
          if (failedLabels.has(request.label)) {
            failed.set(request, failedLabels.get(request.label));
            continue;
          }
          try {
            await this.apply(writes, [request.label]);
          } catch (error) {
            fail(request, error);
          }
        }
      }
    }
    for (const request of [...requests].reverse()) if (failed.has(request)) request.revert();
    for (const request of requests) {
      if (failed.has(request)) continue;
      try {
        request.committed?.(at);
        request.resolve();
      } catch (error) {
        request.reject(error);
      }
    }
    for (const request of requests) if (failed.has(request)) request.reject(failed.get(request));
  }
}
