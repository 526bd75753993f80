import { createHash } from "node:crypto";
import type { CacheOptions, NodeCachePolicy } from "../dag/NodeCachePolicy.js";
import { readDuration } from "../schedule/parseDuration.js";
import { InvalidCacheOptions } from "./errors.js";

/**
 * The cache policy of a registration, checked now so that a bad TTL fails at
 * `ns.register`, not at the first run. `undefined` without a `cache` option. Throws
 * `InvalidCacheOptions`.
 *
 * @example
 * ```ts
 * cachePolicyOf("market:fetch", { ttl: "1h" }, fetchPrices); // { ttlMs: 3_600_000, version: "…" }
 * ```
 */
export function cachePolicyOf(
  nsref: string,
  cache: CacheOptions | undefined,
  target: unknown,
): NodeCachePolicy | undefined {
  if (cache === undefined) return undefined;
  const invalid = (field: "ttl" | "version" | "cache", value: unknown, reason: string) =>
    new InvalidCacheOptions({ nsref, field, value, reason });
  if (typeof target !== "function") {
    throw invalid(
      "cache",
      cache,
      "is given for a DAG; only a registered function's output is cached",
    );
  }
  if (typeof cache !== "object" || cache === null) {
    throw invalid("cache", cache, "must be an object with a ttl");
  }
  const { ttl, version } = cache;
  const ttlMs =
    typeof ttl === "number" ? ttl : typeof ttl === "string" ? readDuration(ttl) : undefined;
  if (ttlMs === undefined || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw invalid("ttl", ttl, `${JSON.stringify(ttl) ?? String(ttl)} is not a positive duration`);
  }
  if (version !== undefined && typeof version !== "string" && typeof version !== "number") {
    throw invalid("version", version, "must be a string or a number");
  }
  return {
    ttlMs,
    // Without a version, the function's own source stands for it: an edit of its code
    // stops the reuse of outputs the old code computed.
    version:
      version === undefined
        ? `src:${createHash("sha256").update(String(target)).digest("hex").slice(0, 16)}`
        : String(version),
  };
}
