import type { Schema } from "effect";

/**
 * How a node is retried after it fails: up to `attempts` tries in all, waiting
 * `backoffMs × factor^(n−1)` between tries, capped at `maxBackoffMs`.
 *
 * @example
 * ```ts
 * const retry: RetryPolicy = { attempts: 3, backoffMs: 200, maxBackoffMs: 5_000 };
 * ```
 */
export interface RetryPolicy {
  /** Total tries, the first included (≥ 1). */
  readonly attempts: number;
  /** First wait in ms (default 100). */
  readonly backoffMs?: number;
  /** Growth per retry (default 2). */
  readonly factor?: number;
  /** Longest wait in ms (default 10 000). */
  readonly maxBackoffMs?: number;
}

/**
 * Per-callable options, given to `ns.register(fn, { ... })` or `dag.node(fn, { ... })`.
 *
 * @example
 * ```ts
 * ns.register(fetchPrices, {
 *   nsref: "market:fetch",
 *   output: Schema.Record({ key: Schema.String, value: Schema.Number }),
 *   timeout: 5_000,
 *   retry: { attempts: 3 },
 * });
 * ```
 */
export interface NodeOptions {
  /** Checked against the node's input at run time (`InputInvalid` on mismatch). */
  readonly input?: Schema.Schema<any, any, never>;
  /** Checked against the node's output at run time (`OutputInvalid` on mismatch). */
  readonly output?: Schema.Schema<any, any, never>;
  /** Milliseconds before a try fails with `NodeTimedOut` and its signal fires. */
  readonly timeout?: number;
  /** Retries of this node only. */
  readonly retry?: RetryPolicy;
}
