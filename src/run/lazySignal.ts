/** An AbortSignal made on first use; `abort` aborts it now or makes it born aborted. */
export interface LazySignal {
  get(): AbortSignal;
  readonly abort: () => void;
}

/**
 * An AbortSignal made only when a node asks for it: most nodes never read `ctx.signal`,
 * and an AbortController per node call is measurable on the hot path.
 *
 * @example
 * ```ts
 * const signal = lazySignal();
 * signal.abort(); // later signal.get().aborted === true
 * ```
 */
export function lazySignal(): LazySignal {
  let controller: AbortController | undefined;
  let aborted = false;
  return {
    get: () => {
      if (controller === undefined) {
        controller = new AbortController();
        if (aborted) controller.abort();
      }
      return controller.signal;
    },
    abort: () => {
      aborted = true;
      controller?.abort();
    },
  };
}
