import type { DagRunResult } from "../run/DagRunner.js";
import { isDatabaseUnreachable } from "../store/errors.js";
import { LeaseLost } from "../trigger/LeaseLost.js";

/** `error` itself or the first error it wraps (by `cause`) that satisfies `test`. */
function causeMatching<T>(error: unknown, test: (e: unknown) => e is T): T | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    if (test(e)) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether `error` (or what it wraps) says the database could not be reached.
 *
 * @example
 * ```ts
 * if (storeUnreachable(error)) retryLater();
 * ```
 */
export const storeUnreachable = (error: unknown): boolean =>
  causeMatching(error, isDatabaseUnreachable) !== undefined;

/**
 * The `LeaseLost` that `error` is or wraps (a fenced run-history write), if any.
 *
 * @example
 * ```ts
 * const lost = findLeaseLost(result.error);
 * ```
 */
export const findLeaseLost = (error: unknown): LeaseLost | undefined =>
  causeMatching(error, (e): e is LeaseLost => e instanceof LeaseLost);

/**
 * A stored run status as the final status of a run result.
 *
 * @example
 * ```ts
 * finalStatus("running"); // "failed"
 * ```
 */
export function finalStatus(status: string): DagRunResult["status"] {
  return status === "completed" || status === "paused" || status === "interrupted"
    ? status
    : "failed";
}
