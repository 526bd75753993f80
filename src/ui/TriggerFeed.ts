/** A comment line every this many polls keeps proxies from closing a quiet stream. */
const KEEPALIVE_POLLS = 15;

/**
 * The live feed behind the pages' Server-Sent Events: while at least one page listens,
 * it reads the triggers every `pollMs` and sends the list to every listener when it
 * changed (and once to each new listener). One poll serves every listener; nothing is
 * read while no page is open.
 *
 * @example
 * ```ts
 * const feed = new TriggerFeed(() => inspect(store), 1000);
 * const stop = feed.subscribe((chunk) => res.write(chunk));
 * ```
 */
export class TriggerFeed {
  readonly #read: () => Promise<unknown>;
  readonly #pollMs: number;
  readonly #listeners = new Set<(chunk: string) => void>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #last: string | undefined;
  #polls = 0;
  #closed = false;

  constructor(read: () => Promise<unknown>, pollMs: number) {
    this.#read = read;
    this.#pollMs = pollMs;
  }

  /** Adds a listener of SSE text chunks; returns the function that removes it. */
  subscribe(send: (chunk: string) => void): () => void {
    if (this.#closed) return () => {};
    this.#listeners.add(send);
    send(`retry: ${Math.max(this.#pollMs, 1000)}\n\n`);
    if (this.#last !== undefined) send(this.#last);
    if (this.#timer === undefined) this.#schedule(0);
    return () => {
      this.#listeners.delete(send);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  /** Stops polling and forgets every listener (the server is closing). */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#last = undefined;
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => void this.#poll(), ms);
    this.#timer.unref?.();
  }

  async #poll(): Promise<void> {
    let chunk: string;
    try {
      chunk = `event: triggers\ndata: ${JSON.stringify(await this.#read())}\n\n`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      chunk = `event: problem\ndata: ${JSON.stringify({ message })}\n\n`;
    }
    if (this.#listeners.size === 0 || this.#closed) return;
    this.#polls += 1;
    if (chunk !== this.#last) {
      this.#last = chunk;
      for (const send of this.#listeners) send(chunk);
    } else if (this.#polls % KEEPALIVE_POLLS === 0) {
      for (const send of this.#listeners) send(": keepalive\n\n");
    }
    this.#schedule(this.#pollMs);
  }
}
