/**
 * How a registered function's output is reused (resolved by `ns.register` from its
 * `cache` option): for `ttlMs` after it was computed, for an equal input, as long as the
 * node's nsref and `version` are the same.
 *
 * @example
 * ```ts
 * const policy: NodeCachePolicy = { ttlMs: 3_600_000, version: "2" };
 * ```
 */
export interface NodeCachePolicy {
  readonly ttlMs: number;
  /** The given version, or a hash of the function's source text. */
  readonly version: string;
}

/**
 * The `cache` option of `ns.register(fn, { cache })`: `ttl` is a duration (`"90s"`,
 * `"30m"`, `"1h"`, `"7d"`) or milliseconds; `version` names the function's behaviour —
 * change it to stop reusing outputs computed before (default: a hash of the function's
 * source, so editing the function's own code does so by itself).
 *
 * @example
 * ```ts
 * ns.register(fetchPrices, { nsref: "market:fetch", cache: { ttl: "1h", version: 2 } });
 * ```
 */
export interface CacheOptions {
  readonly ttl: string | number;
  readonly version?: string | number;
}
