import type { RetryPolicy } from "../dag/NodeOptions.js";

/**
 * The wait before retry number `retry` (1 for the first retry): exponential from
 * `backoffMs` by `factor`, capped at `maxBackoffMs`.
 *
 * @example
 * ```ts
 * retryDelayMs({ attempts: 5, backoffMs: 100 }, 3); // 400
 * ```
 */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  const base = policy.backoffMs ?? 100;
  const factor = policy.factor ?? 2;
  const cap = policy.maxBackoffMs ?? 10_000;
  return Math.min(cap, base * factor ** Math.max(0, retry - 1));
}
