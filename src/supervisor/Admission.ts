/**
 * At most `limit` tasks at once; the others wait in order (first come, first served).
 *
 * Memory, not speed: 10,000 `activate` calls issued together (a service re-activating its
 * triggers at boot) each build a machine snapshot, its writes and a few promises, and all
 * of them waited for one group commit at once: ~45 MB live for a moment, most of it
 * surviving into the old generation, which set V8's next collection far out and the RSS
 * with it. Admitted a thousand at a time, each thousand shares one group commit, is
 * written, and is garbage before the next one starts; a waiting call holds only its
 * arguments.
 *
 * @example
 * ```ts
 * const admission = new Admission(1000);
 * await admission.run(() => activateOne(name));
 * ```
 */
export class Admission {
  #running = 0;
  readonly #waiting: ((() => void) | undefined)[] = [];
  #head = 0;

  constructor(readonly limit: number) {}

  /** Runs `task` once fewer than `limit` admitted tasks are running. */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running < this.limit) {
      this.#running++;
      return this.#go(task);
    }
    // Waiting costs one promise and one closure: 10,000 callers may wait here.
    return new Promise<void>((resolve) => this.#waiting.push(resolve)).then(() => this.#go(task));
  }

  /** Runs an admitted task; its slot passes on when it settles. */
  #go<T>(task: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = task();
    } catch (error) {
      this.#release();
      return Promise.reject(error);
    }
    return result.finally(() => this.#release());
  }

  /** Hands the slot to the next waiting task, or frees it. */
  #release(): void {
    const next = this.#waiting[this.#head];
    if (next === undefined) {
      this.#running--;
      return;
    }
    this.#waiting[this.#head] = undefined;
    this.#head++;
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#head = 0;
    }
    next();
  }
}
