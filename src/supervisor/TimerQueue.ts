/**
 * A priority queue of due instants by trigger name: the supervisor arms ONE timer for
 * the earliest entry instead of scanning every trigger. A binary heap with lazy
 * deletion: `set` and `delete` leave stale heap entries that `peek`/`popDue` skip.
 *
 * @example
 * ```ts
 * const queue = new TimerQueue();
 * queue.set("hourly", Date.UTC(2026, 0, 1, 1));
 * queue.peek(); // { name: "hourly", due: 1767229200000 }
 * ```
 */
export class TimerQueue {
  readonly #due = new Map<string, number>();
  readonly #heap: { due: number; name: string }[] = [];

  /** Sets (or moves) a name's due instant. */
  set(name: string, due: number): void {
    if (this.#due.get(name) === due) return;
    this.#due.set(name, due);
    this.#push({ due, name });
  }

  /** Removes a name. */
  delete(name: string): void {
    this.#due.delete(name);
  }

  /** The due instant of a name, if queued. */
  get(name: string): number | undefined {
    return this.#due.get(name);
  }

  /** Number of queued names. */
  get size(): number {
    return this.#due.size;
  }

  /** The earliest entry, without removing it. */
  peek(): { readonly name: string; readonly due: number } | undefined {
    this.#dropStale();
    return this.#heap[0];
  }

  /** Removes and returns every entry due at or before `now`, earliest first. */
  popDue(now: number): { readonly name: string; readonly due: number }[] {
    const out: { name: string; due: number }[] = [];
    for (;;) {
      const top = this.peek();
      if (top === undefined || top.due > now) return out;
      this.#pop();
      this.#due.delete(top.name);
      out.push(top);
    }
  }

  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || this.#due.get(top.name) === top.due) return;
      this.#pop();
    }
  }

  #push(entry: { due: number; name: string }): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as { due: number }).due <= entry.due) break;
      heap[i] = heap[parent] as { due: number; name: string };
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length &&
        (heap[right] as { due: number }).due < (heap[left] as { due: number }).due
          ? right
          : left;
      if ((heap[child] as { due: number }).due >= last.due) break;
      heap[i] = heap[child] as { due: number; name: string };
      i = child;
    }
    heap[i] = last;
  }
}
